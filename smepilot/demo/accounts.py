"""The three demo accounts one signs in with: the secretariat, a focal point of Kenya, an SME representative."""

from dataclasses import dataclass

DEMO_PASSWORD = "smepilot-demo-2018"  # noqa: S105 - documented, used only with DEBUG on
SECRETARIAT_EMAIL = "admin@smepilot.example"
FOCAL_POINT_EMAIL = "focal@smepilot.example"
SME_REPRESENTATIVE_EMAIL = "sme@smepilot.example"


@dataclass
class DemoAccount:
    role: str
    email: str
    password: str
