"""The pages' Content-Security-Policy: nothing loads, and only the page's own style and script apply.

A rendered page is sealed before it is written:

1. every ``style="…"`` attribute becomes a class, its declarations a rule of a
   stylesheet added to the head (a policy without ``'unsafe-inline'`` blocks
   style attributes, and templates may still write them);
2. the SHA-256 hash of each inline ``<style>`` and ``<script>`` block is
   listed in a ``<meta http-equiv="Content-Security-Policy">`` placed first in
   the head, under ``default-src 'none'``: a style or script that anyone slips
   into the page — were escaping ever to fail — has no hash in the policy and
   does not run.

Only blocks written exactly as ``<style>`` and ``<script>`` (no attributes) are
recognised; values from the data reach the page escaped (``&lt;style&gt;``), so
they can never open one.

References: W3C, Content Security Policy Level 3, §8.3 (hash sources).

Examples
--------
>>> page = '<html><head><meta charset="utf-8"><style>p{}</style></head><body><p style="color: red">x</p></body></html>'
>>> sealed = seal(page)
>>> "unsafe-inline" in sealed, 'style="' in sealed, 'class="s1"' in sealed
(False, False, True)
"""

from __future__ import annotations

import base64
import hashlib
import html
import re

__all__ = ["seal", "policy", "source_hash"]

_BLOCK = re.compile(r"(<style>.*?</style>|<script>.*?</script>)", re.S)
_STYLE = re.compile(r"<style>(.*?)</style>", re.S)
_SCRIPT = re.compile(r"<script>(.*?)</script>", re.S)
_TAG = re.compile(r"<[a-zA-Z][^<>]*>")
_STYLE_ATTR = re.compile(r'\sstyle="([^"]*)"')
_CLASS_ATTR = re.compile(r'\sclass="([^"]*)"')
_HEAD_START = re.compile(r"<head>\s*(<meta charset=\"utf-8\">)?")

#: Every directive but the hashes: nothing may be fetched, framed, submitted or based elsewhere.
FIXED = ("default-src 'none'", "img-src 'none'", "font-src 'none'", "connect-src 'none'",
         "media-src 'none'", "object-src 'none'", "frame-src 'none'", "form-action 'none'",
         "base-uri 'none'")


def source_hash(text: str) -> str:
    """The CSP hash source of an inline block's text: ``'sha256-<base64>'``.

    >>> source_hash("")
    "'sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU='"
    """
    digest = hashlib.sha256(text.encode("utf-8")).digest()
    return f"'sha256-{base64.b64encode(digest).decode('ascii')}'"


def policy(styles: list[str], scripts: list[str]) -> str:
    """The policy that allows exactly these style and script blocks and nothing else."""
    style_src = " ".join(dict.fromkeys(source_hash(s) for s in styles)) or "'none'"
    script_src = " ".join(dict.fromkeys(source_hash(s) for s in scripts)) or "'none'"
    return "; ".join([FIXED[0], f"style-src {style_src}", f"script-src {script_src}", *FIXED[1:]])


def _lift_style_attributes(page: str) -> tuple[str, list[str]]:
    """Style attributes → classes ``s1``, ``s2`` … (one per distinct declaration), and their rules."""
    classes: dict[str, str] = {}

    def tag(match: re.Match[str]) -> str:
        text = match.group(0)
        found = _STYLE_ATTR.search(text)
        if found is None:
            return text
        declarations = html.unescape(found.group(1)).strip().rstrip(";")
        if "<" in declarations or "}" in declarations:
            raise ValueError(f"a style attribute holds markup: {found.group(1)!r}")
        name = classes.setdefault(declarations, f"s{len(classes) + 1}")
        text = text[:found.start()] + text[found.end():]
        has_class = _CLASS_ATTR.search(text)
        if has_class:
            return text[:has_class.end(1)] + f" {name}" + text[has_class.end(1):]
        end = -2 if text.endswith("/>") else -1
        return f'{text[:end]} class="{name}"{text[end:]}'

    parts = _BLOCK.split(page)
    for i in range(0, len(parts), 2):  # the even parts lie outside style and script blocks
        parts[i] = _TAG.sub(tag, parts[i])
    rules = []
    for declarations, name in classes.items():
        # !important: a style attribute overrode every rule of the page; its class must too
        body = "; ".join(f"{d.strip()} !important" for d in declarations.split(";") if d.strip())
        rules.append(f".{name} {{ {body}; }}")
    return "".join(parts), rules


def seal(page: str) -> str:
    """The page with its style attributes lifted and its Content-Security-Policy in place.

    Raises
    ------
    ValueError
        When the page has no ``<head>`` (a template that does not extend the base).
    """
    page, rules = _lift_style_attributes(page)
    if rules:
        if "</head>" not in page:
            raise ValueError("the page has no </head> to hold its lifted styles")
        page = page.replace("</head>", "<style>\n" + "\n".join(rules) + "\n</style>\n</head>", 1)
    head = _HEAD_START.search(page)
    if head is None:
        raise ValueError("the page has no <head> to hold its Content-Security-Policy")
    meta = f'\n<meta http-equiv="Content-Security-Policy" content="{policy(_STYLE.findall(page), _SCRIPT.findall(page))}">'
    return page[:head.end()] + meta + page[head.end():]
