"""Write the report notebooks 01-06 (nbformat) from the cell lists below.

The notebooks are committed; this script is their source of truth. Re-run it after editing:
``python tools/make_notebooks.py``. Each notebook has the sections Overview, Setup,
Parameters (a cell tagged ``parameters`` for papermill), Results and Summary, and stays thin:
the work happens in :mod:`alcore.analysis`, :mod:`alcore.stats`, :mod:`alcore.findings` and
:mod:`alcore.plots`.
"""

from __future__ import annotations

import sys
from pathlib import Path

import nbformat as nbf

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from alcore.paths import atomic_write  # noqa: E402

PARAMS = '''profile = "quick"      # results/<profile> (experiments/<profile>.yaml)
store = None           # a results directory; None: results/<profile> under the repo root
datasets = None        # list of dataset names; None: all in the store
encoders = None        # list of encoder names; None: all
strategies = None      # list of query strategies; None: all
seeds = None           # list of seeds; None: all
tol = 0.0              # tie tolerance (accuracy) for winners and top shares
random_state = 0       # seeds every bootstrap'''

SETUP = '''%matplotlib inline
import warnings

warnings.filterwarnings("ignore", message="IProgress not found")  # tqdm.auto without widgets
import matplotlib.pyplot as plt
import pandas as pd
from IPython.display import Markdown, display

from alcore import analysis as A, findings as F, plots as P, stats as S

pd.set_option("display.precision", 4)
pd.set_option("display.max_columns", 30)


def note(msg):
    """A clearly marked message cell (e.g. data this notebook cannot find)."""
    display(Markdown(f"> **Note.** {msg}"))


def show(fig, caption):
    """Display a figure once, with a caption naming the function that drew it."""
    display(fig)
    plt.close(fig)
    fn = fig.texts[-1].get_text().replace("drawn by ", "") if fig.texts else "alcore.plots"
    display(Markdown(f"*{caption}* (drawn by `{fn}`)"))'''

LOAD = '''from alcore.params import check_params

# stop here, naming the parameter, if papermill passed a value of the wrong type
globals().update(check_params(profile=profile, store=store, datasets=datasets, encoders=encoders,
                              strategies=strategies, seeds=seeds, tol=tol,
                              random_state=random_state))
data = A.load_report_data(profile, store, datasets, encoders, strategies, seeds)
df, upper = data["results"], data["upper_bounds"]
if data["message"]:
    note(data["message"])
al, ips_study = A.al_part(df), A.ips_part(df)
print(f"store: {data['store']}")
print(f"{df['run_key'].nunique()} runs: {al['run_key'].nunique()} active-learning runs, "
      f"{ips_study['run_key'].nunique()} IPS-study runs")
for col in ("dataset", "encoder", "ips", "strategy", "seed"):
    print(f"{col:9s}", sorted(map(str, df[col].unique())))'''


def _nb(title, overview, results, summary, params=PARAMS, load=LOAD):
    cells = [("md", f"# {title}\n\n## Overview\n\n{overview}"),
             ("md", "## Setup"), ("code", SETUP),
             ("md", "## Parameters\n\nPapermill replaces this cell's values "
                    "(`-p profile default`); `None` means everything the store holds."),
             ("param", params), ("code", load), ("md", "## Results")]
    cells += results + [("md", "## Summary"), ("code", summary)]
    nb = nbf.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                 "language": "python"}
    nb.metadata["language_info"] = {"name": "python"}
    for kind, src in cells:
        if kind == "md":
            nb.cells.append(nbf.v4.new_markdown_cell(src))
        else:
            c = nbf.v4.new_code_cell(src)
            if kind == "param":
                c.metadata["tags"] = ["parameters"]
            nb.cells.append(c)
    for i, c in enumerate(nb.cells):
        c["id"] = f"cell-{i:02d}"
    return nb


NB01 = _nb(
    "Initial pool selection (IPS) study",
    "Before any query, which initial pool gives the better classifier: a random one, "
    "CoreSet's k-centres or TypiClust's typical points? The IPS study (runs with "
    "`cycles = 0`) trains the logistic regression on the initial pool alone, for many pool "
    "sizes k0 (paper Figs. 1 and 2).",
    [("md", "### Who wins at each k0 (Fig. 1)\n\nIn each (dataset, encoder, seed) block the "
            "IPS with the best test accuracy wins; ties within `tol` count for nobody."),
     ("code", '''if ips_study.empty:
    note("The store holds no IPS-study runs (cycles = 0); Figs. 1 and 2 need them "
         "(the default and paper profiles run them).")
else:
    winners = A.ips_winners(df, tol=tol)
    display(winners.pivot(index="k0", columns="ips", values="share"))
    show(P.fig1_ips_winners(df, tol=tol), "Fig. 1: share of wins of each IPS per initial pool size k0.")'''),
     ("md", "### Accuracy against k0 (Fig. 2)"),
     ("code", '''if not ips_study.empty:
    show(P.fig2_accuracy_vs_k0(df), "Fig. 2: test accuracy of the initial pool alone, mean over seeds.")
    display(A.ips_accuracy_by_k0(df).pivot_table(index=["dataset", "k0"], columns="ips", values="mean"))''')],
    '''if ips_study.empty:
    note("No IPS study in this store: nothing to summarise.")
else:
    t = F.takeaways(ips_study, tol=tol).iloc[0]
    display(Markdown(f"**Paper:** {t.paper}  \\n**Here:** {t.here}. **Verdict: {t.verdict}.**"))''')

NB02 = _nb(
    "Does the initial pool matter for active learning?",
    "Each query strategy runs 20 cycles from a Random and from a TypiClust initial pool; "
    "pairing the two runs by seed isolates the effect of the initial pool (paper Figs. 3, 4 "
    "and 8). Paired bootstrap confidence intervals and Wilcoxon signed-rank tests (Holm "
    "corrected) compare every strategy with Random on the area under the learning curve.",
    [("md", "### TypiClust-IPS minus Random-IPS over the cycles (Figs. 3 and 8)"),
     ("code", '''pairs = A.paired_differences(df, "ips", "typiclust", "random")
if pairs.empty:
    note("No paired runs with a TypiClust and a Random initial pool in this store: "
         "Figs. 3 and 8 need both IPS (ips: [random, typiclust] in the profile).")
else:
    show(P.fig3_ips_gain_over_cycles(df, col="encoder"), "Fig. 3: mean paired accuracy gain of the TypiClust initial pool, per encoder.")
    show(P.fig3_ips_gain_over_cycles(df, col="dataset"), "Fig. 8: the same gain per dataset.")
    display(pairs.groupby(["encoder", "strategy"])["diff"].mean().unstack())'''),
     ("md", "### Pairwise win rates (Fig. 4)"),
     ("code", '''if al.empty:
    note("No active-learning runs (cycles > 0) in this store.")
else:
    show(P.fig4_win_rate_matrices(df, tol=tol), "Fig. 4: share of paired (dataset, encoder, seed, cycle) comparisons the row strategy wins.")'''),
     ("md", "### AULC against Random: paired bootstrap CIs and Wilcoxon-Holm tests"),
     ("code", '''scores = A.aulc(df) if not al.empty else pd.DataFrame()
if scores.empty or "random" not in set(scores["strategy"]):
    note("These tables need active-learning runs that include the random strategy.")
else:
    ci = S.paired_bootstrap(scores, by="ips", random_state=random_state)
    display(ci)
    display(S.wilcoxon_holm(scores, by="ips"))''')],
    '''if pairs.empty:
    note("Nothing to summarise: the store lacks paired IPS runs.")
else:
    for _, t in F.takeaways(df, tol=tol, upper_bounds=upper).query("id in ['T2', 'T3']").iterrows():
        display(Markdown(f"**Paper:** {t.paper}  \\n**Here:** {t.here}. **Verdict: {t.verdict}.**"))''')

NB03 = _nb(
    "Embedding quality and query strategy success",
    "How do the strategies rank, and does the ranking move with the quality of the frozen "
    "encoder? Top shares (Figs. 5 and 7), learning curves with the full-data accuracy as "
    "an upper bound (Figs. 6, 9, 10), a Friedman-Nemenyi critical-difference diagram, the "
    "correlation of MTEB score with each strategy's gain, labels saved, run times (Tables 4 "
    "and 5) and a recommendation table.",
    [("md", "### Share of cycles on top (Figs. 5 and 7)"),
     ("code", '''if al.empty:
    note("No active-learning runs (cycles > 0) in this store: this notebook needs them.")
else:
    show(P.fig5_top_share(df, tol=tol), "Fig. 5: share of AL cycles in which each strategy is the best (ties split).")
    show(P.fig7_top_rates_by_encoder_dataset(df, tol=tol), "Fig. 7: the same share per encoder and per dataset.")'''),
     ("md", "### Learning curves (Figs. 6, 9 and 10)"),
     ("code", '''if not al.empty:
    for ips in sorted(al["ips"].unique()):
        show(P.fig6_learning_curves(df, upper, ips=ips),
             f"Learning curves with IPS = {ips}; dashed: full-data accuracy (upper bound).")
    if upper.empty:
        note("The store holds no full-data accuracies (upper bounds): the dashed lines are missing.")'''),
     ("md", "### Ranks: Friedman test and Nemenyi critical difference"),
     ("code", '''scores = A.aulc(df) if not al.empty else pd.DataFrame()
blocks = S.block_scores(scores) if not scores.empty else pd.DataFrame()
if blocks.shape[1] < 2 or len(blocks) < 2:
    note("A critical-difference diagram needs at least two strategies and two complete blocks.")
else:
    cd = S.friedman_nemenyi(blocks)
    show(P.critical_difference_diagram(cd), "Average AULC rank of each strategy; a bar joins strategies closer than the critical difference.")'''),
     ("md", "### Encoder quality (MTEB) against each strategy's gain over Random"),
     ("code", '''if scores.empty or "random" not in set(scores["strategy"]):
    note("Needs active-learning runs that include the random strategy.")
else:
    corr = S.mteb_gain_correlation(scores, random_state=random_state)
    display(corr)
    if corr["rho"].isna().all():
        note("Fewer than three encoders in this store have an MTEB score: the correlation is undefined.")
    show(P.mteb_vs_gain(scores), "Mean AULC gain over Random against encoder MTEB score.")'''),
     ("md", "### Measured embedding quality (linear probe) against each strategy's gain\n\n"
            "MTEB averages exist for only some encoders (none for GloVe-50). Quality measured "
            "on the task itself needs no published number: the linear-probe accuracy of each "
            "(dataset, encoder), i.e. the logistic regression on the whole training split "
            "(the dashed upper bound of the learning curves). Encoders are compared inside "
            "each dataset; the rank correlation is averaged over datasets, with a bootstrap "
            "CI over the (IPS, seed) units (`alcore.stats.probe_gain_correlation`)."),
     ("code", '''if scores.empty or "random" not in set(scores["strategy"]) or upper.empty:
    note("Needs active-learning runs that include the random strategy, and full-data accuracies.")
else:
    display(A.probe_quality(upper).unstack("encoder").round(4))
    display(S.probe_gain_correlation(scores, upper, random_state=random_state).round(3))
    show(P.probe_quality_vs_gain(scores, upper), "AULC gain over Random against the linear-probe accuracy of each encoder, one line per dataset.")'''),
     ("md", "### Labels needed to reach 95% of full-data accuracy"),
     ("code", '''if al.empty or upper.empty:
    note("Needs active-learning runs and full-data accuracies (upper bounds).")
else:
    lab = A.labels_to_reach(df, upper, frac=0.95)
    display(lab.pivot_table(index=["dataset", "encoder"], columns="strategy", values="saved"))
    display(lab.groupby("strategy")[["labels", "reached", "saved"]].mean())'''),
     ("md", "### Run times (Tables 4 and 5)"),
     ("code", '''side = A.read_embedding_sidecars()
if side.empty:
    note("No embedding cache on this machine: Table 4 (embedding times) is empty.")
else:
    side = side[side["dataset"].isin(df["dataset"].unique()) & side["encoder"].isin(df["encoder"].unique())]
    display(A.embedding_runtime_table(side))
if not al.empty:
    display(A.runtime_table(df, "query_seconds"))'''),
     ("md", "### Which strategy for my setting?"),
     ("code", '''if not al.empty:
    display(A.recommend(df))''')],
    '''if al.empty:
    note("Nothing to summarise: no active-learning runs.")
else:
    for _, t in F.takeaways(df, tol=tol, upper_bounds=upper).query("id in ['T4', 'T5', 'T6', 'T7', 'T8']").iterrows():
        display(Markdown(f"**Paper:** {t.paper}  \\n**Here:** {t.here}. **Verdict: {t.verdict}.**"))''')

NB04 = _nb(
    "Findings: the paper's takeaways, checked here",
    "Each takeaway of Rauch et al. (2025) beside what this store's results say. Every "
    "number and verdict below is computed when the book is built (by "
    "`alcore.findings.takeaways`); a takeaway the store cannot test says so.",
    [("code", '''table = F.takeaways(df, tol=tol, upper_bounds=upper)
display(table.style.hide(axis="index"))'''),
     ("md", "Verdicts: **holds** (the rule behind the claim is met), **partly** (the "
            "direction is right but weaker), **does not hold**, **not testable here** (the "
            "store lacks the runs). Where a correlation comes with a bootstrap CI (T7, and T3 "
            "with measured quality), a positive verdict needs the CI's lower bound above zero. "
            "See `alcore/findings.py` for each rule.")],
    '''counts = table["verdict"].value_counts()
display(Markdown(", ".join(f"**{v}**: {n}" for v, n in counts.items())))''')

NB05 = _nb(
    "Performance of the strategies",
    "How fast and how memory-hungry is each query strategy, alcore against scikit-activeml "
    "1.0.1, from a small pool (20,000 x 384) to the size of Yelp-5 (650,000 x 384)? Does the "
    "faster code pick as well? And what does a whole 20-cycle run cost against Random? The "
    "measurements come from `alcore bench` (`book/data/bench_*.csv`, written on the 2-core "
    "build machine with one BLAS thread); the grid's own query times come from the store.",
    [("md", "### Seconds per query\n\nOne query of a batch of 100 on seeded Gaussian blobs "
            "(20 classes), each in a fresh process after a warm-up, cold caches "
            "(`alcore bench strategies --setting default|large|huge`, `alcore.bench`)."),
     ("code", '''def read_bench(name, command):
    """A table of book/data/, or an empty one and a note saying how to make it."""
    path = A.repo_root() / "book" / "data" / name
    if path.is_file():
        return pd.read_csv(path)
    note(f"`book/data/{name}` does not exist yet: run `alcore bench {command}`.")
    return pd.DataFrame()


bench = read_bench("bench_strategies.csv", "strategies")
if not bench.empty:
    show(P.bench_query_time(bench), "Seconds per query; labels mark runs that could not run or timed out.")
    display(A.bench_speedups(bench).round(3))'''),
     ("md", "### The targets\n\nAt the default setting alcore should be at least 5x faster "
            "than scikit-activeml for TypiClust, ProbCover, BADGE and DropQuery and never "
            "slower for the others; at 120,000 x 768 every query within 10 s and 4 GB; at "
            "650,000 x 384 within 60 s and 8 GB (`alcore.analysis.bench_targets`)."),
     ("code", '''if not bench.empty:
    targets = A.bench_targets(bench)
    display(targets)
    missed = targets[targets["met"] == False]  # noqa: E712
    display(Markdown(f"**{int((targets['met'] == True).sum())} of {len(targets)} targets met.** "  # noqa: E712
                     + ("Missed: " + "; ".join(f"{r.setting} {r.strategy} ({r.measured})"
                                                 for r in missed.itertuples()) + "."
                        if len(missed) else "")))'''),
     ("md", "### Same picks, same accuracy\n\nalcore's and scikit-activeml's strategies "
            "driven by the same loop, seeds and initial pool on TREC-6 x GloVe-50 "
            "(`alcore bench accuracy`): final test accuracy after the cycles, mean over seeds. "
            "The deterministic strategies (margin, entropy, CoreSet) give identical numbers."),
     ("code", '''acc = read_bench("bench_accuracy.csv", "accuracy")
if not acc.empty:
    table = acc.pivot_table(index="strategy", columns="impl", values=["accuracy", "seconds"], aggfunc="mean")
    table[("accuracy", "alcore - skactiveml")] = table[("accuracy", "alcore")] - table[("accuracy", "skactiveml")]
    display(table.round(4))'''),
     ("md", "### A whole run against Random\n\nWall time of one 20-cycle run per strategy on "
            "the largest offline pool (health_tweets, 50,660 texts, GloVe-50), relative to "
            "Random (`alcore bench fullrun`)."),
     ("code", '''display(read_bench("bench_fullrun.csv", "fullrun").round(3))'''),
     ("md", "### Budgets and the grid's query times\n\nThe budget B of each offline "
            "dataset (`alcore bench budget`: where Random with the weakest encoder reaches "
            "95% of its full-data accuracy), and the mean query seconds per run in this "
            "store (paper Table 5)."),
     ("code", '''display(read_bench("budgets.csv", "budget"))
if not al.empty:
    display(A.runtime_table(df, "query_seconds").round(3))''')],
    '''if bench.empty:
    note("No benchmark table: nothing to summarise.")
else:
    sp = A.bench_speedups(bench)
    d = sp[sp["setting"] == "default"].set_index("strategy")["speedup"]
    display(Markdown(f"At 20,000 x 384, alcore's queries are {d.min():.1f}x to {d.max():.0f}x "
                     f"faster than scikit-activeml's (largest gain: {d.idxmax()}); see the "
                     "targets table for what is met and what is not."))''')

NB06 = _nb(
    "Reproducibility",
    "What produced these results: the profile, the git commit, package versions, the "
    "machine, and the wall time of the runs (from the store's `provenance.json` and run files).",
    [("code", '''prov = data["provenance"]
if not prov:
    note(f"The store {data['store']} has no provenance.json.")
else:
    top = {k: v for k, v in prov.items() if not isinstance(v, (dict, list))}
    display(pd.Series({"profile": profile, **top}, name="value").to_frame())
    display(pd.Series(prov.get("packages", {}), name="version").to_frame())
    display(pd.Series({k: str(v) for k, v in prov.get("machine", {}).items()}, name="value").to_frame())'''),
     ("code", '''if not df.empty:
    runs = df.drop_duplicates("run_key")
    display(runs.groupby(["dataset", "strategy"])["run_seconds"].sum().unstack().round(1))
    print(f"{len(runs)} runs, {runs['run_seconds'].sum() / 60:.1f} minutes of run time in total")''')],
    '''display(Markdown(f"Re-run: `make book PROFILE={profile}` or "
                 f"`papermill notebooks/02_ips_on_al.ipynb out.ipynb -p profile {profile}`."))''')

NOTEBOOKS = {"01_ips_study": NB01, "02_ips_on_al": NB02, "03_embedding_quality": NB03,
             "04_findings": NB04, "05_performance": NB05, "06_reproducibility": NB06}


def main():
    for name, nb in NOTEBOOKS.items():
        nbf.validate(nb)
        with atomic_write(ROOT / "notebooks" / f"{name}.ipynb", "w") as fh:
            nbf.write(nb, fh)
        print(f"wrote notebooks/{name}.ipynb")


if __name__ == "__main__":
    main()
