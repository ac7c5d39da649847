import pytest
from fake_sounddevice import FakeSoundDevice, device

from genre_gui.audio import backend
from genre_gui.audio.devices import (
    find_input_device,
    list_devices,
    list_input_devices,
    safe_text,
    supported_input_samplerates,
)
from genre_gui.audio.errors import (
    InvalidDeviceError,
    LiveAudioError,
    NoInputDeviceError,
    PortAudioMissingError,
)
from genre_gui.core.errors import GenreGuiError


@pytest.fixture
def no_portaudio(monkeypatch):
    def fail():
        raise OSError("PortAudio library not found")

    backend.reset_backend()
    monkeypatch.setattr(backend, "_import_sounddevice", fail)
    yield
    backend.reset_backend()


def test_missing_portaudio_is_a_typed_error_with_a_plain_message(no_portaudio):
    with pytest.raises(PortAudioMissingError) as info:
        list_input_devices()
    msg = str(info.value)
    assert "PortAudio library could not be loaded" in msg and "libportaudio2" in msg
    assert isinstance(info.value, GenreGuiError)
    assert not backend.is_available()


def test_portaudio_failing_to_initialise_is_also_missing(monkeypatch):
    class PortAudioError(Exception):
        pass

    def fail():
        raise PortAudioError("Error initializing PortAudio: Host error")

    backend.reset_backend()
    monkeypatch.setattr(backend, "_import_sounddevice", fail)
    try:
        with pytest.raises(PortAudioMissingError, match="could not start"):
            find_input_device()
    finally:
        backend.reset_backend()


def test_undecodable_device_names_are_replaced_never_raised(fake_sd):
    fake_sd.devices = [device(b"Mic \xff\xfe caf\xe9"), device("USB \u00e9l\u00e8ve")]
    names = [d.name for d in list_devices()]
    assert names[0] == "Mic \ufffd\ufffd caf\ufffd"
    assert names[1] == "USB \u00e9l\u00e8ve"
    # and such a device can still be chosen by the name we showed
    assert find_input_device(names[0]).index == 0


def test_safe_text_handles_bytes_surrogates_and_control_characters():
    assert safe_text(b"a\xffb") == "a\ufffdb"
    assert safe_text("x\udcffy") == "x?y" or "\ufffd" in safe_text("x\udcffy")
    assert safe_text("tab\there") == "tab\ufffdhere"
    assert safe_text(b"") == "(unnamed device)"


def test_no_input_device(fake_sd):
    fake_sd.devices = [device("Speakers", inputs=0)]
    assert list_input_devices() == []
    with pytest.raises(NoInputDeviceError, match="No recording device"):
        find_input_device()


def test_invalid_device_name_and_index(fake_sd):
    with pytest.raises(InvalidDeviceError, match="'Gone mic' is not available"):
        find_input_device("Gone mic")
    with pytest.raises(InvalidDeviceError, match="number 7"):
        find_input_device(7)
    with pytest.raises(InvalidDeviceError):
        find_input_device(1)  # an output-only device is not an input device


def test_default_device_and_labels(fake_sd):
    fake_sd.devices = [device("Out", inputs=0), device("Mic A"), device("Mic B")]
    fake_sd.default.device = [2, 0]
    assert find_input_device().name == "Mic B"
    d = find_input_device("Mic A (FakeAPI)")
    assert d.index == 1 and d.label == "Mic A (FakeAPI)"
    fake_sd.default.device = [-1, -1]
    assert find_input_device().name == "Mic A"


def test_samplerates_are_what_the_device_accepts(fake_sd):
    d = find_input_device()
    assert supported_input_samplerates(d) == [44100, 48000]


def test_enumeration_failure_is_typed(fake_sd):
    def boom():
        raise RuntimeError("host API died")

    fake_sd._lib.Pa_GetDeviceCount = boom
    with pytest.raises(LiveAudioError, match="Could not list audio devices"):
        list_devices()


def test_real_import_is_lazy_and_cached():
    backend.reset_backend()
    try:
        sd = backend.get_sounddevice()
    except PortAudioMissingError:
        pytest.skip("PortAudio not installed here")
    assert backend.get_sounddevice() is sd
    backend.reset_backend()


def test_fake_default_is_sane():
    assert FakeSoundDevice().query_devices(0)["name"] == "Fake mic"
