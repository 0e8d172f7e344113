from . import models
from . import tools
from . import wizards
from . import reports
from .hooks import pre_init_hook
