r"""Fitting the model to coded dyads: empirical-Bayes estimates per dyad, with intervals, and the population's.

Methods
-------
The hierarchical model: each dyad :math:`i` has its own value
:math:`\theta_{id}` of every dyad parameter :math:`d`
(:data:`~attunement.model.params.DYAD`), drawn from
:math:`N(\mu_d, \tau_d^2)`; the other switching parameters :math:`\phi` are
shared; the infant's arousal block is held at the calibrated typical values
(docs/model.md). The likelihood is exact (the forward algorithm,
:mod:`attunement.model.likelihood`).

Estimation is empirical Bayes with Laplace approximations (the route of TMB and
lme4's ``glmer``; Kristensen et al. 2016; Bates et al. 2015), chosen over NUTS
because a gradient of 100 dyads × 180 steps costs about 0.06 s on two cores,
so a sampler's tens of thousands of gradients would take far longer than the
two minutes the benchmark allows:

1. *Mode*: for given :math:`\tau`, maximise the log posterior
   :math:`\sum_i \ell_i(\phi, \theta_i) + \log p(\phi) + \log p(\mu) +
   \sum_{i,d} \log N(\theta_{id} \mid \mu_d, \tau_d^2)` over
   :math:`(\phi, \mu, \theta)` with L-BFGS and exact gradients (JAX).
2. *Laplace*: each dyad's posterior is approximated by a normal at the mode
   with covariance :math:`V_i = H_i^{-1}`, :math:`H_i` the Hessian of the
   negative log posterior in :math:`\theta_i` (dyads are independent given
   the population, so the Hessian is block-diagonal).
3. *EM for the between-dyad SDs*: :math:`\tau_d^2 \leftarrow \frac{1}{n}\sum_i
   [(\hat\theta_{id} - \hat\mu_d)^2 + V_{i,dd}]`, then back to 1, until
   :math:`\tau` changes by less than 2 %.

Per-dyad intervals are the Laplace posterior's quantiles (conditional on the
population estimates, which slightly narrows them; the parameter-recovery test
measures their coverage). Diagnostics: the optimiser's convergence, the largest
gradient, the EM iterations, and optionally profile checks (the objective
re-optimised with each population mean moved by two standard errors each way
must rise on both sides).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import optimize, stats

from ..errors import AttunementError
from ..schemes import Scheme
from ..session import Session
from .data import Coded, encode
from .likelihood import Prepared, loglik_jax, x64
from .params import NO_AROUSAL, PARAMETERS, as_arrays
from .presets import PRESETS

__all__ = ["fit", "Fit", "active_parameters"]

#: Parameters that shape where a partner goes when leaving a state: they need three states or more.
_DESTINATION = {"a_positivity", "a_pref_away", "a_pref_negative", "a_follow", "b_pref_positive",
                "b_pref_intrusive", "b_pref_disengaged", "b_follow", "b_pursuit"}
#: Parameters about what she does while he looks away: they need a state of his that is not a look at her.
_WHILE_AWAY = {"b_reengage", "b_pursuit"}


def active_parameters(coded: Coded) -> tuple[list[str], list[str]]:
    """The shared and the dyad parameters a fit of ``coded`` estimates (those its states can inform)."""
    have = {"a": set(coded.roles.a), "b": set(coded.roles.b)}
    sizes = {"a": len(coded.roles.a), "b": len(coded.roles.b)}
    shared, dyad = [], []
    for name, p in PARAMETERS.items():
        if p.side == "arousal":
            continue
        if not set(p.roles) <= have[p.side]:
            continue
        if name in _DESTINATION and sizes[p.side] < 3:
            continue
        if name in _WHILE_AWAY and not (set(coded.roles.a) - {"positive", "monitor"}):
            continue
        (dyad if p.dyad else shared).append(name)
    return shared, dyad


@dataclass
class Fit:
    """The result of :func:`fit`.

    Attributes
    ----------
    dyads : DataFrame
        One row per dyad and dyad parameter: ``session, parameter, estimate,
        sd, lower, upper`` (the interval at ``level``).
    population : DataFrame
        ``parameter, kind`` (``shared``, ``mean``, ``sd``), ``estimate, se, lower, upper``.
    diagnostics : DataFrame
        ``check, value, ok``.
    coded : Coded
        The data as fitted.
    level : float
    """

    dyads: pd.DataFrame
    population: pd.DataFrame
    diagnostics: pd.DataFrame
    coded: Coded
    level: float
    shared: dict[str, float]
    mean: dict[str, float]
    sd: dict[str, float]
    theta: np.ndarray          # (dyads, D) posterior modes
    cov: np.ndarray            # (dyads, D, D) Laplace covariances
    dyad_names: list[str]
    agreement: float | tuple[float, float] = 1.0
    fixed: dict[str, float] = field(default_factory=dict)

    def params(self, index: int | None = None) -> dict[str, np.ndarray]:
        """Every parameter at its estimate: one value per dyad (or for dyad ``index`` only)."""
        rows = np.arange(self.coded.n) if index is None else np.array([index])
        out = {name: np.full(len(rows), value) for name, value in {**self.fixed, **self.shared}.items()}
        for d, name in enumerate(self.dyad_names):
            out[name] = self.theta[rows, d].copy()
        return as_arrays(out, len(rows))

    def loglik(self, coded: Coded, *, score: np.ndarray | None = None) -> np.ndarray:
        """Each dyad's log-likelihood of ``coded`` (the same dyads, e.g. their whole sessions) at its estimates.

        Every step is predicted from all the steps before it (the forward
        filter runs through the whole recording); only steps where ``score``
        (dyads × steps, bool) is True are summed — e.g. a held-out end of each
        session (:func:`attunement.model.baselines.heldout_comparison`).
        States are matched to the fitted ones by name.
        """
        from .likelihood import loglik
        if tuple(coded.sessions) != tuple(self.coded.sessions):
            raise AttunementError("score the dyads that were fitted, in the same order.")
        remap = []
        for have, fitted, side in ((coded.names_a, self.coded.names_a, "a"), (coded.names_b, self.coded.names_b, "b")):
            lut = np.full(len(have) + 1, -1)
            for i, name in enumerate(have):
                lut[i] = fitted.index(name) if name in fitted else -2
            codes = getattr(coded, side)
            mapped = lut[codes]
            if (mapped == -2).any():
                state = have[int(codes[mapped == -2][0])]
                raise AttunementError(f"state {state!r} does not occur in the fitted data; the model gives it no "
                                      f"probability. Fit on data that contain it.")
            remap.append(mapped)
        from dataclasses import replace
        data = replace(coded, a=remap[0], b=remap[1], names_a=self.coded.names_a, names_b=self.coded.names_b,
                       roles=self.coded.roles, match=self.coded.match)
        return loglik(self.params(), data, agreement=self.agreement, score_a=score, score_b=score).sum(axis=1)

    def draw(self, draws: int, rng: np.random.Generator) -> dict[str, np.ndarray]:
        """Parameters of ``draws`` posterior draws of every dyad: arrays (dyads × draws,), dyad-major."""
        n, d = self.theta.shape
        z = rng.standard_normal((n, draws, d))
        chol = np.linalg.cholesky(self.cov + 1e-12 * np.eye(d))
        theta = self.theta[:, None, :] + np.einsum("nij,nkj->nki", chol, z)
        out = {name: np.full(n * draws, value) for name, value in {**self.fixed, **self.shared}.items()}
        for k, name in enumerate(self.dyad_names):
            out[name] = theta[:, :, k].ravel()
        return as_arrays(out, n * draws)


def fit(
    data: Sequence[Session] | Coded,
    scheme: str | Scheme = "icep-r-gaze",
    *,
    dt: float = 1.0,
    agreement: float | tuple[float, float] = 1.0,
    roles: Mapping[str, Mapping[str, str]] | None = None,
    level: float = 0.9,
    max_em: int = 25,
    profile: bool = False,
    arousal: bool | None = None,
    on_progress: Callable[[float], None] | None = None,
) -> Fit:
    """Estimate each dyad's parameters and the population's from coded sessions.

    Parameters
    ----------
    data : sequence of Session, or Coded
        Coded dyads (or already :func:`~attunement.model.data.encode`-d).
    scheme : str or Scheme
        How codes become the model's states (default ``icep-r-gaze``); its first
        partner is the infant (or client).
    dt : float
        The coding's resolution in seconds (the model's step).
    agreement : float or (float, float)
        The coders' proportion of agreement for each partner's codes
        (:func:`~attunement.model.likelihood.confusion`); 1 takes the codes as the true states.
    roles : mapping, optional
        Model roles of states the model does not know (:mod:`attunement.model.roles`).
    level : float
        Level of the intervals (default 0.9).
    max_em : int
        Most EM iterations for the between-dyad SDs.
    profile : bool
        Also run the profile checks (one re-optimisation per population mean and side).
    arousal : bool, optional
        Whether the infant's latent arousal block (held at the calibrated typical values) acts. By default
        it does when the scheme's first partner is ``infant``; for other dyads (a client and a
        therapist) it is switched off (:data:`~attunement.model.params.NO_AROUSAL`), since it was
        calibrated on infants.
    on_progress : callable, optional
        Called with the share of the work done (0–1), for progress bars.

    Returns
    -------
    Fit

    Raises
    ------
    AttunementError
        For data the model cannot take (see :func:`~attunement.model.data.encode`), or fewer than two dyads.

    Notes
    -----
    The method is in the module docstring and ``docs/model.md``.

    Examples
    --------
    >>> from attunement.model import simulate
    >>> sim = simulate("typical", seconds=120, dyads=12, seed=4, dt=1.0)
    >>> result = fit(sim.sessions, dt=1.0)
    >>> sorted(result.dyads.parameter.unique())[:2]
    ['a_positivity', 'a_repair']
    >>> bool(result.diagnostics.ok.all())
    True
    >>> result.fixed["ar_look"] > 0   # an infant: his arousal acts
    True
    """
    return _fit(data, scheme, dt=dt, agreement=agreement, roles=roles, level=level, max_em=max_em,
                profile=profile, arousal=arousal, on_progress=on_progress)


class _Objective:
    """The negative log posterior of a fit, its gradient and its per-dyad Hessian blocks, compiled by JAX.

    Built in single precision for the EM iterations (about 3× faster) and again
    in double precision for the final mode, the Hessians and the standard errors.
    """

    def __init__(self, prep: Prepared, *, shared: list[str], dyad: list[str], fixed: dict[str, float],
                 prior_f: np.ndarray, prior_m: np.ndarray, double: bool) -> None:
        import jax
        import jax.numpy as jnp

        self.double = double
        self.dtype = jnp.float64 if double else jnp.float32
        n, F, D = prep.n, len(shared), len(dyad)
        self.F, self.D, self.n = F, D, n
        with self._precision():
            run = loglik_jax(prep)
            base = {k: jnp.full(n, v, dtype=self.dtype) for k, v in fixed.items()}
        centred = np.array([PARAMETERS[k].centred for k in dyad], dtype=bool)

        def neg_log_post(x, tau):
            phi, mu, theta = x[:F], x[F:F + D], x[F + D:].reshape(n, D)
            mu = jnp.where(centred, 0.0, mu)
            p = dict(base)
            for k, name in enumerate(shared):
                p[name] = jnp.broadcast_to(phi[k], (n,))
            for k, name in enumerate(dyad):
                p[name] = theta[:, k]
            ll = jnp.sum(run(p))
            lp = -0.5 * jnp.sum(((phi - prior_f[:, 0]) / prior_f[:, 1]) ** 2)
            lp += -0.5 * jnp.sum(((mu - prior_m[:, 0]) / prior_m[:, 1]) ** 2)
            lp += -0.5 * jnp.sum(((theta - mu) / tau) ** 2)
            return -(ll + lp)

        def hessians(x, tau):
            """Per-dyad Hessian blocks (n, D, D) in θ, by D Hessian-vector products (dyads are independent)."""
            def grad_theta(theta):
                return jax.grad(lambda th: neg_log_post(jnp.concatenate([x[:F + D], th.ravel()]), tau))(theta)
            theta = x[F + D:].reshape(n, D)
            # one batched pass over the D directions: the scan's steps are small, so batching them is far cheaper
            directions = jnp.broadcast_to(jnp.eye(D, dtype=theta.dtype)[:, None, :], (D, n, D))
            cols = jax.vmap(lambda v: jax.jvp(grad_theta, (theta,), (v,))[1])(directions)
            return jnp.moveaxis(cols, 0, -1)

        self._value_and_grad = jax.jit(jax.value_and_grad(neg_log_post))
        self._hessians = jax.jit(hessians)

    def _precision(self):
        import contextlib

        return x64() if self.double else contextlib.nullcontext()

    def __call__(self, x: np.ndarray, tau: np.ndarray) -> tuple[float, np.ndarray]:
        import jax.numpy as jnp
        with self._precision():
            value, grad = self._value_and_grad(jnp.asarray(x, dtype=self.dtype), jnp.asarray(tau, dtype=self.dtype))
            return float(value), np.asarray(grad, dtype=float)

    def covariances(self, x: np.ndarray, tau: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Laplace covariances (n, D, D) of every dyad's parameters, and the Hessian blocks themselves."""
        import jax.numpy as jnp
        with self._precision():
            h = np.asarray(self._hessians(jnp.asarray(x, dtype=self.dtype), jnp.asarray(tau, dtype=self.dtype)), dtype=float)
        h = 0.5 * (h + np.swapaxes(h, 1, 2))
        return np.linalg.inv(h), h

    def minimise(self, x: np.ndarray, tau: np.ndarray, **options) -> optimize.OptimizeResult:
        return optimize.minimize(self, x, args=(tau,), jac=True, method="L-BFGS-B",
                                 options={"maxiter": 3000, "maxcor": 20, "ftol": 1e-10, "gtol": 1e-3, **options})


def _fit(data, scheme, *, dt, agreement, roles, level, max_em, profile, arousal, on_progress) -> Fit:
    coded = data if isinstance(data, Coded) else encode(data, scheme, dt=dt, roles=roles)
    coded = coded.observed_states()
    if coded.n < 2:
        raise AttunementError(f"the model is fitted to a population of dyads and got {coded.n}; give at least two "
                              f"coded sessions (one per dyad).")
    if not 0 < level < 1:
        raise AttunementError(f"level must lie between 0 and 1, got {level}.")
    shared_names, dyad_names = active_parameters(coded)
    typical = PRESETS["typical"]
    fixed = {name: typical.mean(name) for name in PARAMETERS if name not in shared_names and name not in dyad_names}
    if not (arousal if arousal is not None else coded.partners[0] == "infant"):
        fixed.update(NO_AROUSAL)
    n, F, D = coded.n, len(shared_names), len(dyad_names)
    prep = Prepared(coded, agreement=agreement)
    # priors centred on the calibrated typical population, with the parameter table's SDs
    prior_f = np.array([(typical.mean(k), PARAMETERS[k].prior[1]) for k in shared_names]).reshape(F, 2)
    prior_m = np.array([(typical.mean(k), 2.0 * PARAMETERS[k].prior[1]) for k in dyad_names]).reshape(D, 2)
    centred = np.array([PARAMETERS[k].centred for k in dyad_names], dtype=bool)
    build = dict(shared=shared_names, dyad=dyad_names, fixed=fixed, prior_f=prior_f, prior_m=prior_m)
    fast = _Objective(prep, double=False, **build)
    tau = np.array([typical.spread(k) or PARAMETERS[k].spread for k in dyad_names], dtype=float)
    x = np.concatenate([prior_f[:, 0], prior_m[:, 0], np.tile(prior_m[:, 0], n)]).astype(float)
    history, results = [], []
    total = max_em + 1 + (2 * D if profile else 0)  # progress units: EM iterations, final mode, profile points
    done = 0
    for _ in range(max_em):
        res = fast.minimise(x, tau)
        x = res.x
        results.append(res)
        cov, _ = fast.covariances(x, tau)
        mu = np.where(centred, 0.0, x[F:F + D])
        theta = x[F + D:].reshape(n, D)
        new_tau = np.sqrt(np.mean((theta - mu) ** 2 + np.diagonal(cov, axis1=1, axis2=2), axis=0))
        new_tau = np.maximum(new_tau, 0.02)
        change = np.max(np.abs(new_tau - tau) / tau)
        history.append(change)
        tau = new_tau
        done += 1
        if on_progress:
            on_progress(done / total)
        if change < 0.02:
            break
    # the final mode, Laplace covariances and standard errors at the final τ, in double precision
    exact = _Objective(prep, double=True, **build)
    res = exact.minimise(x, tau)
    x = res.x
    results.append(res)
    cov, h = exact.covariances(x, tau)
    done += 1
    if on_progress:
        on_progress(done / total)
    phi, mu, theta = x[:F], np.where(centred, 0.0, x[F:F + D]), x[F + D:].reshape(n, D)
    z = stats.norm.ppf(0.5 + level / 2)
    sd = np.sqrt(np.diagonal(cov, axis1=1, axis2=2))
    dyads = pd.DataFrame({
        "session": np.repeat(np.array(coded.sessions, dtype=object), D),
        "parameter": np.tile(np.array(dyad_names, dtype=object), n),
        "estimate": theta.ravel(), "sd": sd.ravel(), "lower": (theta - z * sd).ravel(),
        "upper": (theta + z * sd).ravel()})
    # standard errors of the shared parameters and the population means together, every dyad's θ profiled out
    se_phi, se_mu = _population_se(exact, x, tau, h, F=F, centred=centred)
    rows = [("shared", shared_names, phi, se_phi), ("mean", dyad_names, mu, se_mu)]
    population = pd.concat([pd.DataFrame({"parameter": names, "kind": kind, "estimate": est, "se": se})
                            for kind, names, est, se in rows], ignore_index=True)
    sd_rows = pd.DataFrame({"parameter": dyad_names, "kind": "sd", "estimate": tau, "se": np.nan})
    population = pd.concat([population, sd_rows], ignore_index=True)
    population["lower"] = population.estimate - z * population.se
    population["upper"] = population.estimate + z * population.se
    grad = np.abs(exact(x, tau)[1]).max()
    proper = bool(np.all(np.linalg.eigvalsh(h) > 0))
    final = results[-1]
    message = final.message if isinstance(final.message, str) else final.message.decode()
    checks = [("optimiser converged (final mode, double precision)", f"{message} ({final.nit} iterations)",
               bool(final.success)),
              ("largest gradient at the mode", f"{grad:.3g}", bool(grad < 1.0)),
              ("EM iterations for the between-dyad SDs", f"{len(history)} (last change {history[-1]:.1%})",
               bool(history[-1] < 0.02)),
              ("dyad posteriors proper (Hessians positive definite)", "all" if proper else "not all", proper)]
    if profile:
        checks += _profiles(exact, x, tau, F, dyad_names, se_mu, on_progress=on_progress, done=done, total=total)
    diagnostics = pd.DataFrame(checks, columns=["check", "value", "ok"])
    return Fit(dyads=dyads, population=population, diagnostics=diagnostics, coded=coded, level=level,
               shared=dict(zip(shared_names, map(float, phi))), mean=dict(zip(dyad_names, map(float, mu))),
               sd=dict(zip(dyad_names, map(float, tau))), theta=theta, cov=cov, dyad_names=list(dyad_names),
               agreement=agreement, fixed=fixed)


def _population_se(objective: _Objective, x, tau, h, *, F: int, centred: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Standard errors of the shared parameters φ and the population means μ, jointly, with θ profiled out.

    The curvature of the objective in p = (φ, μ) once every dyad's θ is at its optimum is the Schur
    complement H_pp − Σ_i H_pθᵢ H_θᵢθᵢ⁻¹ H_θᵢp (θᵢ's blocks ``h`` from :meth:`_Objective.covariances`;
    the columns H_·p by central differences of the gradient); its inverse is p's covariance. With φ
    known it reduces to Var μ_d ≈ (τ_d² + mean_i V_i,dd) / n; unlike that formula it carries the
    trade-off between a mean and the shared parameters estimated with it (a base rate and the shape of
    the hazard in time in state).
    Centred means are 0 by definition (SE 0).
    """
    D = len(centred)
    n = (len(x) - F - D) // D
    free = [k for k in range(F)] + [F + d for d in range(D) if not centred[d]]
    cols = np.zeros((len(x), len(free)))
    eps = 1e-2
    for j, k in enumerate(free):
        up, down = x.copy(), x.copy()
        up[k] += eps
        down[k] -= eps
        cols[:, j] = (objective(up, tau)[1] - objective(down, tau)[1]) / (2 * eps)
    h_pp = cols[free]
    h_pp = 0.5 * (h_pp + h_pp.T)
    h_tp = cols[F + D:].reshape(n, D, len(free))
    effective = h_pp - np.einsum("idp,ide,ieq->pq", h_tp, np.linalg.inv(h), h_tp)
    se_phi, se_mu = np.full(F, np.nan), np.zeros(D)
    try:
        se = np.sqrt(np.clip(np.diag(np.linalg.inv(0.5 * (effective + effective.T))), 0, None))
    except np.linalg.LinAlgError:
        se_mu[~centred] = np.nan
        return se_phi, se_mu
    se_phi = se[:F]
    se_mu[~centred] = se[F:]
    return se_phi, se_mu


def _profiles(objective, x, tau, F, dyad_names, se_mu, *, on_progress, done, total) -> list[tuple[str, str, bool]]:
    """Move each population mean by ±2 SE, re-optimise the rest: the objective must rise both ways."""
    best = objective(x, tau)[0]
    out = []
    for d, name in enumerate(dyad_names):
        if PARAMETERS[name].centred:
            continue
        rises = []
        for sign in (-1.0, 1.0):
            k = F + d
            held = x[k] + sign * 2.0 * se_mu[d]
            bounds = [(None, None)] * len(x)
            bounds[k] = (held, held)
            start = x.copy()
            start[k] = held
            res = optimize.minimize(objective, start, args=(tau,), jac=True, method="L-BFGS-B", bounds=bounds,
                                    options={"maxiter": 500, "ftol": 1e-10, "gtol": 1e-3})  # objective: _Objective
            rises.append(res.fun - best)
            done += 1
            if on_progress:
                on_progress(done / total)
        out.append((f"profile of the population mean of {name}", f"objective rises by {rises[0]:.2f} and "
                    f"{rises[1]:.2f} at ±2 SE", bool(min(rises) > 0)))
    return out
