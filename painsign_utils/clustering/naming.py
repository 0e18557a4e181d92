"""Do the named sign types meet the paper's definitions? One check per named type, and a tally.

k-means only groups signs; the names stable / irregular / unstable come from where a cluster's
centroid lies. The paper defines them by entropy (H) and threshold crossings (X) relative to each
other (§3, Table 3, paper Fig. 5):

* **stable** — the lowest entropy and the fewest crossings;
* **irregular** — higher entropy than stable, but fewer crossings than unstable;
* **unstable** — the most crossings, with higher entropy than stable.

:func:`definition_checks` tests each named type of each model against those rules on the
centroids (videos-weighted per name), so a chapter names a cluster with the paper's word only when
it fits; :func:`naming_summary` tallies the checks per model for chapter 05's prose.
"""

from __future__ import annotations

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
    ``why`` (the codes of the rules it fails, ``; ``-separated, empty when it meets the definition:
    ``other_fewer_crossings``, ``other_lower_entropy``, ``entropy_le_stable``,
    ``crossings_ge_unstable``, ``other_more_crossings``).
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
                    why.append("other_fewer_crossings")
                if (h[others] < h[name]).any():
                    why.append("other_lower_entropy")
            elif name == "irregular":
                if "stable" in at.index and h[name] <= h["stable"]:
                    why.append("entropy_le_stable")
                if "unstable" in at.index and x[name] >= x["unstable"]:
                    why.append("crossings_ge_unstable")
            else:
                if (x[others] > x[name]).any():
                    why.append("other_more_crossings")
                if "stable" in at.index and h[name] <= h["stable"]:
                    why.append("entropy_le_stable")
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


def naming_summary(checks: pd.DataFrame, indeterminate: pd.Series | None = None) -> pd.DataFrame:
    """Per model: how many named types meet the paper's definition, and which types are missing.

    Parameters
    ----------
    checks : DataFrame from :func:`definition_checks`
    indeterminate : Series, optional
        Model → number of signs flagged indeterminate (0 for a model it does not list).

    Returns
    -------
    DataFrame, one row per model in ``checks``' order: ``model``, ``named`` (types named),
    ``meet`` (of them, how many meet their definition), ``all_three`` (bool: stable, irregular and
    unstable are all named), ``missing`` (the defined types no cluster got, comma-separated, empty
    when none) and ``indeterminate`` (signs flagged).
    """
    rows = []
    for model, g in checks.groupby("model", sort=False):
        missing = [t for t in DEFINED if t not in set(g["name"])]
        flagged = indeterminate.get(model, 0) if indeterminate is not None else 0
        rows.append(
            {
                "model": model,
                "named": len(g),
                "meet": int(g["meets"].sum()),
                "all_three": not missing,
                "missing": ", ".join(missing),
                "indeterminate": int(flagged),
            }
        )
    return pd.DataFrame(
        rows, columns=["model", "named", "meet", "all_three", "missing", "indeterminate"]
    )
