"""The Code as Policies tabletop task suite: 22 categories with written-down success checks."""
from sim.tasks.base import CATEGORIES, Task, TaskInstance, category
from sim.tasks import families  # noqa: F401  (registers the categories)

__all__ = ["ALL_CATEGORIES", "CATEGORIES", "OBJECT_CATEGORIES", "Task", "TaskInstance",
           "category"]
from sim.tasks import unseen  # noqa: E402,F401  (registers the unseen-instruction families)
from sim.tasks.objects import OBJECT_CATEGORIES  # noqa: E402  (objects that are not blocks)

ALL_CATEGORIES = {**CATEGORIES, **OBJECT_CATEGORIES}  # the 22 first: their seeds stay put
