"""Do the named sign types meet the paper's definitions? Checks and a paragraph for chapter 05.

k-means only groups signs; the names stable / irregular / unstable come from where a cluster's
centroid lies. The paper defines them by entropy (H) and threshold crossings (X) relative to each
other (§3, Table 3, paper Fig. 5):

* **stable** — the lowest entropy and the fewest crossings;
* **irregular** — higher entropy than stable, but fewer crossings than unstable;
* **unstable** — the most crossings, with higher entropy than stable.

:func:`definition_checks` tests each named type of each model against those rules on the
centroids (videos-weighted per name), so a chapter names a cluster with the paper's word only when
it fits, and :func:`interpretation` writes the paragraph that says so.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

#: The three cluster types the paper defines by their centroids (indeterminate is an overlay).
DEFINED = ("stable", "irregular", "unstable")


def _by_name(centroids: pd.DataFrame) -> pd.DataFrame:
    """Per (model, name): video-weighted mean entropy and crossings, and the number of videos."""
    g = centroids.assign(
        we=centroids["entropy"] * centroids["n"], wx=centroids["crossings"] * centroids["n"]
    )
    out = g.groupby(["model", "name"], sort=False).agg(
        we=("we", "sum"), wx=("wx", "sum"), n=("n", "sum")
    )
    n = out["n"].where(out["n"] > 0)
    return pd.DataFrame(
        {"entropy": out["we"] / n, "crossings": out["wx"] / n, "n": out["n"]}
    ).reset_index()


def definition_checks(centroids: pd.DataFrame) -> pd.DataFrame:
    """Check every named type of every model against the paper's definitions.

    Parameters
    ----------
    centroids : DataFrame
        ``model, name, entropy, crossings, n``, one row per cluster (chapter 05's
        ``cluster_centroids.csv``).

    Returns
    -------
    DataFrame, one row per (model, type): ``model, name, n, entropy, crossings, meets`` (bool) and
    ``why`` (empty when it meets the definition).
    """
    rows = []
    for model, g in _by_name(centroids).groupby("model", sort=False):
        at = g.set_index("name")
        h, x = at["entropy"], at["crossings"]
        for name in [n for n in DEFINED if n in at.index]:
            others = at.index.drop(name)
            why = []
            if name == "stable":
                if (x[others] < x[name]).any():
                    why.append("another type has fewer crossings")
                if (h[others] < h[name]).any():
                    why.append("another type has lower entropy")
            elif name == "irregular":
                if "stable" in at.index and h[name] <= h["stable"]:
                    why.append("its entropy is not above stable's")
                if "unstable" in at.index and x[name] >= x["unstable"]:
                    why.append("its crossings are not below unstable's")
            else:
                if (x[others] > x[name]).any():
                    why.append("another type has more crossings")
                if "stable" in at.index and h[name] <= h["stable"]:
                    why.append("its entropy is not above stable's")
            rows.append(
                {
                    "model": model,
                    "name": name,
                    "n": int(at.loc[name, "n"]),
                    "entropy": float(h[name]),
                    "crossings": float(x[name]),
                    "meets": not why,
                    "why": "; ".join(why),
                }
            )
    return pd.DataFrame(
        rows, columns=["model", "name", "n", "entropy", "crossings", "meets", "why"]
    )


def interpretation(checks: pd.DataFrame, indeterminate: pd.Series | None = None) -> str:
    """A paragraph (Markdown) on what the sign types of this build are, model by model.

    Parameters
    ----------
    checks : DataFrame from :func:`definition_checks`
    indeterminate : Series, optional
        Model → number of signs flagged indeterminate.
    """
    if checks.empty:
        return "No sign type could be checked: no cluster was named in this build."
    parts = []
    for model, g in checks.groupby("model", sort=False):
        types = ", ".join(
            f"{r.name} ({r.n} video{'s' if r.n != 1 else ''}; H {r.entropy:.2f}, X {r.crossings:.1f})"
            for r in g.itertuples()
        )
        missing = [t for t in DEFINED if t not in set(g["name"])]
        bad = g[~g["meets"]]
        verdict = (
            "each meets the paper's definition"
            if bad.empty
            else "; ".join(
                f"**{r.name} does not meet the paper's definition** ({r.why}): read it as "
                "an unnamed cluster"
                for r in bad.itertuples()
            )
        )
        line = f"- **{model}**: {types}; {verdict}."
        if missing:
            line += (
                f" No cluster is {' or '.join(missing)}: this model's signs do not show that type."
            )
        if indeterminate is not None and model in indeterminate.index:
            line += f" Indeterminate overlay: {int(indeterminate[model])} sign(s)."
        parts.append(line)
    ok = int(checks["meets"].sum())
    total = len(checks)
    models = checks["model"].nunique()
    complete = int(checks.groupby("model")["name"].nunique().eq(len(DEFINED)).sum())
    head = (
        f"Of the {total} named types over {models} model(s), {ok} meet the paper's definition, and "
        f"{complete} of {models} model(s) show all three of stable, irregular and unstable "
        "(the paper found all three for every model)."
    )
    return head + "\n\n" + "\n".join(parts)


def meets_share(checks: pd.DataFrame) -> float:
    """Share of named types that meet their definition (NaN when none was named)."""
    return float(checks["meets"].mean()) if len(checks) else float(np.nan)
