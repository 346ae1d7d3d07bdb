"""Every corpus file a reader covers, through the one shared contract.

Each row names a corpus file, the reading options it needs and either the
format detected or the start of the error it must give. Readable files pass
:func:`check_reader_contract` (valid Sessions; the tidy CSV round trip changes
nothing). Format-specific values are checked in each reader's own tests.
"""

from __future__ import annotations

import pytest

from attunement import AttunementError, read
from attunement.io import detect_format

from ..conftest import corpus_file
from .contract import check_reader_contract

LAST = {"close_unpaired": "last-event"}

READABLE = [
    ("elan/sample_3.0.eaf", {}, "elan"),
    ("elan/sample_2.7.eaf", {}, "elan"),
    ("elan/elan_example_K_W_speech_gesture_eaf2.3.eaf", {}, "elan"),
    ("elan/example_aclew_vandam.eaf", {}, "elan"),
    ("elan/example_solis_child_mother.eaf", {}, "elan"),
    ("elan/eaf_any_tier.eaf", {}, "elan"),
    ("boris/test.boris", LAST, "boris"),
    ("boris/test2.boris", LAST, "boris"),
    ("boris/test_without_media_files_paths.boris", LAST, "boris"),
    ("boris/test_with_leading_trailing_spaces_in_modifiers.boris", {}, "boris"),
    ("boris/test_export_events_tabular.tsv", {}, "boris-export"),
    ("boris/test_export_events_tabular.csv", {}, "boris-export"),
    ("boris/test_export_aggregated_events_test_full_1.tsv", {}, "boris-export"),
    ("boris/test_export_aggregated_events_test_full_5.tsv", {}, "boris-export"),
    ("datavyu/oldProjectFormat.opf", {}, "datavyu"),
    ("datavyu/demo_data_to_csv.opf", {}, "datavyu"),
    ("datavyu/location1.opf", {}, "datavyu"),
    ("datavyu/datavyu-childes-template-separate.opf", {}, "datavyu"),
    ("datavyu/simple2.opf", {}, "datavyu"),
    ("datavyu/simple3.opf", {}, "datavyu"),
    ("datavyu/simple1.csv", {}, "datavyu-csv"),
    ("datavyu/demo_data_to_csv2.csv", {}, "datavyu-csv"),
    ("datavyu/dyad1.opf", {}, "datavyu"),
    ("datavyu/dyad2.opf", {}, "datavyu"),
    ("datavyu/dyad3.opf", {}, "datavyu"),
    ("datavyu/childhands__dyad1.csv", {}, "datavyu-csv"),
    ("datavyu/parenthands__dyad1.csv", {}, "datavyu-csv"),
    ("nonverbal/nonverbal.csv", {"rate": 1.0}, "sampled"),
]

REFUSED = [
    ("boris/test.boris", {"strict": True}, "test.boris: observation 'live not paired': subject 'No focal subject', behaviour 's'"),
    ("boris/otx_import_test.boris", {}, "otx_import_test.boris: the project has no observations"),
    ("boris/export_observations_list_test1.tsv", {}, "export_observations_list_test1.tsv: this is a BORIS observation list"),
    ("observer/otx_parser_test.otx", {}, "otx_parser_test.otx: is a Noldus The Observer XT project template"),
    ("observer/otx_parser_test.otb", {}, "otx_parser_test.otb: is a Noldus The Observer XT project template"),
    ("datavyu/dyad3.opf", {"strict": True},
     "dyad3.opf: column 'childhands', db line 5: the cell ends before it starts"),
]


@pytest.mark.parametrize("name, options, fmt", READABLE, ids=[r[0] for r in READABLE])
def test_reader_contract_on_corpus(name, options, fmt, tmp_path):
    path = corpus_file(*name.split("/"))
    assert detect_format(path).name == fmt
    check_reader_contract(read(path, **options), tmp_path)


@pytest.mark.parametrize("name, options, message", REFUSED, ids=[r[0] for r in REFUSED])
def test_refused_corpus_files_say_why(name, options, message):
    path = corpus_file(*name.split("/"))
    with pytest.raises(AttunementError) as info:
        read(path, **options)
    assert str(info.value).startswith(message)
    assert "\n" not in str(info.value)
