"""Partial aggregates: compute on each partition, merge, finalise to the usual result.

Every mergeable figure of cshealth has a partial form (a `Partial`): what a function
computes on one partition of the data, such that the partials of disjoint partitions merge
into the partial of all their rows, and `Partial.finalize` gives the very result the
single-machine function gives. A partial is a long table of key columns and sums, so any
engine can merge partials with its own ``GROUP BY ... SUM`` (`Partial.to_arrow`,
`Partial.to_dict`); its `PartialKey` refuses merging partials computed differently, and
its ``parts`` refuse merging one partition twice. `cshealth.dask` runs them on Dask.

Each area defines its partials beside its functions (`cshealth.nps.trend_partial`, ...);
this package is where they meet: `merge` any number of partials of one kind, and read any
partial back from its dictionary or Arrow form (`from_dict`, `from_arrow`) by its kind.
"""

from cshealth import _public
from cshealth._exceptions import PartialMismatchError
from cshealth._partial import SCHEMA_VERSION, Partial, PartialKey, Requires
from cshealth.partials._merge import from_arrow, from_dict, kinds, merge

__all__ = [
    "SCHEMA_VERSION",
    "Partial",
    "PartialKey",
    "PartialMismatchError",
    "Requires",
    "from_arrow",
    "from_dict",
    "kinds",
    "merge",
]

_public.publish(globals())
