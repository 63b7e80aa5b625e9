"""The recruiters' admin. One module per area; importing them registers the models.

workflow.py holds what they share; pipeline.py the candidates, loops and rounds;
reference.py departments, people, plans, positions and the read-only record.
"""

from hiring.admin import (
    failures,  # noqa: F401 (the index page's failure banner)
    identity,  # noqa: F401
    integrations,  # noqa: F401
    pipeline,  # noqa: F401
    reference,  # noqa: F401
    reminders,  # noqa: F401
)
