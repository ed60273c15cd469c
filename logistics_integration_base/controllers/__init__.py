from . import metrics
from . import queue_job
