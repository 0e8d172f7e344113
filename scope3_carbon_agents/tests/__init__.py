from . import test_agent_framework
from . import test_autonomy
from . import test_decision_log
from . import test_data_quality
from . import test_classification
from . import test_policy
from . import test_remediation
from . import test_dashboard_findings
