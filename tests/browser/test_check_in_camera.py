"""The check-in desk reads a badge with the camera where the browser can, and works without it.

Chromium on Linux has no BarcodeDetector: there the camera's part of the page stays hidden and the
officer types the code. Where the browser has it (stood in for here, with a camera that films a
blank canvas), the code read is put in the form and sent, as if typed.
"""

import json
import re

from playwright.sync_api import expect

from tests.browser.checks import assert_fits_phone
from tests.browser.conftest import PHONES
from tests.browser.people import AUTHENTICATE_PATH, SECOND_FACTOR_PATH, _shell, second_factor_pass

SECOND_FACTOR_STEP = re.compile(f"({re.escape(AUTHENTICATE_PATH)}|{re.escape(SECOND_FACTOR_PATH)})")

# A validated in-person registration of the demo, and its badge's code.
_A_BADGE = (
    "from registration.badges import check_in_code\n"
    "from registration.models import Registration\n"
    "r = Registration.objects.filter(status='validated', attendance_mode='in_person', attendance__isnull=True)"
    ".select_related('participant').order_by('pk').first()\n"
    "import json\n"
    "print(json.dumps([r.meeting_id, check_in_code(r), r.participant.full_name]))"
)

# BarcodeDetector that finds the code in any frame, and a camera that films a blank canvas.
_CAMERA_AND_DETECTOR = """
window.BarcodeDetector = class {
  constructor(options) { this.formats = options.formats; }
  detect(source) { return Promise.resolve([{ format: "qr_code", rawValue: %s }]); }
};
const camera = () => {
  const canvas = document.createElement("canvas");
  canvas.width = 64; canvas.height = 64;
  canvas.getContext("2d").fillRect(0, 0, 64, 64);
  return Promise.resolve(canvas.captureStream(5));
};
if (navigator.mediaDevices) { navigator.mediaDevices.getUserMedia = camera; }
else { Object.defineProperty(navigator, "mediaDevices", { value: { getUserMedia: camera } }); }
"""


def test_the_desk_reads_a_badge_with_the_camera_where_the_browser_can(embedded_site, new_context, screenshots):
    site = embedded_site
    meeting_id, code, name = json.loads(_shell(site, _A_BADGE))
    secretariat = site.account("Secretariat")
    officer = new_context(viewport=PHONES["phone-360"]).new_page()
    officer.goto(site.url + "/admin/")
    officer.locator("main input[name=login]").fill(secretariat.email)
    officer.locator("main input[name=password]").fill(secretariat.password)
    officer.locator("main input[name=password]").press("Enter")
    officer.wait_for_url(SECOND_FACTOR_STEP)
    second_factor_pass(officer, site, secretariat.email)
    desk = f"{site.url}/admin/registration/attendance/check-in/{meeting_id}/"

    officer.goto(desk)
    expect(officer.get_by_label("Check-in code")).to_be_visible()
    expect(officer.locator("#check-in-camera")).to_be_hidden()
    assert_fits_phone(officer, "check-in desk without a camera reader")

    officer.add_init_script(_CAMERA_AND_DETECTOR % json.dumps(code))
    officer.goto(desk)
    expect(officer.locator("#check-in-camera")).to_be_visible()
    assert_fits_phone(officer, "check-in desk with a camera reader")
    screenshots.take(officer, "check-in desk with a camera reader")
    officer.get_by_role("button", name="Start the camera").click()
    expect(officer.locator(".check-in-outcome")).to_contain_text(f"Checked in: {name}")
    screenshots.take(officer, "checked in by the camera")
