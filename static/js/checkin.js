// The check-in desk (registration/admin_checkin.py) reads a badge's QR code with the camera where
// the browser offers the BarcodeDetector API; elsewhere the officer types the code, which needs no
// script. The code read is put in the form's field and the form is sent, as if typed.
(function () {
  "use strict";
  var section = document.getElementById("check-in-camera");
  var form = document.getElementById("check-in-form");
  if (!section || !form || !("BarcodeDetector" in window) || !navigator.mediaDevices) {
    return;
  }
  var button = document.getElementById("check-in-camera-start");
  var video = document.getElementById("check-in-video");
  var status = document.getElementById("check-in-camera-status");
  var field = form.querySelector("input[name=code]");
  section.hidden = false;

  function read(detector, stream) {
    detector.detect(video).then(function (codes) {
      var found = codes.find(function (code) { return code.rawValue; });
      if (found) {
        stream.getTracks().forEach(function (track) { track.stop(); });
        field.value = found.rawValue;
        form.submit();
        return;
      }
      window.requestAnimationFrame(function () { read(detector, stream); });
    }).catch(function () {
      window.setTimeout(function () { read(detector, stream); }, 250);
    });
  }

  button.addEventListener("click", function () {
    var detector;
    try {
      detector = new window.BarcodeDetector({ formats: ["qr_code"] });
    } catch (error) {
      status.textContent = section.dataset.unavailable;
      return;
    }
    navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" }, audio: false })
      .then(function (stream) {
        video.srcObject = stream;
        video.hidden = false;
        button.hidden = true;
        status.textContent = section.dataset.reading;
        return video.play().then(function () { read(detector, stream); });
      })
      .catch(function () {
        status.textContent = section.dataset.unavailable;
      });
  });
}());
