"""Address labels: TagPack/ActorPack and CSV readers, our category taxonomy, label queries.

Labels carry a source and a confidence; the tracer reads one category per address from
the ``address_categories`` view (``labels.query``).
"""

from sanctionwatch.labels.ingest import ingest_label_files
from sanctionwatch.labels.query import (
    AddressCategory,
    LabelRecord,
    best_labels,
    category_of,
    ensure_label_views,
    labels_for,
)
from sanctionwatch.labels.taxonomy import CATEGORIES

__all__ = [
    "CATEGORIES",
    "AddressCategory",
    "LabelRecord",
    "best_labels",
    "category_of",
    "ensure_label_views",
    "ingest_label_files",
    "labels_for",
]
