"""The Code as Policies tabletop task suite: 22 categories with written-down success checks."""
from sim.tasks.base import CATEGORIES, Task, TaskInstance, category
from sim.tasks import families  # noqa: F401  (registers the categories)

__all__ = ["CATEGORIES", "Task", "TaskInstance", "category"]
from sim.tasks import unseen  # noqa: E402,F401  (registers the unseen-instruction families)
