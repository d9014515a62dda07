"""[guard] host and port: loopback unless allow_remote, errors at the file's line."""

from __future__ import annotations

from pathlib import Path

import pytest

from cockpit.config import ConfigError, load_settings


def settings_from(tmp_path: Path, text: str):  # type: ignore[no-untyped-def]
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    return load_settings(path)[0]


def test_the_default_address_is_loopback_8765(tmp_path: Path) -> None:
    """No [guard] table: 127.0.0.1:8765, not reachable from other machines."""
    guard = settings_from(tmp_path, "").guard
    assert (guard.host, guard.port, guard.allow_remote) == ("127.0.0.1", 8765, False)


@pytest.mark.parametrize("host", ["0.0.0.0", "192.168.1.20", "example.com", "::"])
def test_a_host_beyond_loopback_is_refused_at_its_line(tmp_path: Path, host: str) -> None:
    """A remote host without allow_remote: the file, the line, and how to allow it."""
    with pytest.raises(ConfigError) as caught:
        settings_from(tmp_path, f'[ui]\ntheme = "cockpit-dark"\n\n[guard]\nhost = "{host}"\n')
    message = str(caught.value)
    assert "config.toml:5: [guard] host" in message
    assert "allow_remote = true" in message


def test_allow_remote_lets_a_remote_host_through_wherever_it_is_written(tmp_path: Path) -> None:
    """allow_remote = true (before or after host) accepts 0.0.0.0; localhost and ::1 need none."""
    guard = settings_from(tmp_path, '[guard]\nhost = "0.0.0.0"\nallow_remote = true\n').guard
    assert guard.host == "0.0.0.0"
    assert settings_from(tmp_path, '[guard]\nhost = "::1"\n').guard.host == "::1"
    assert settings_from(tmp_path, '[guard]\nhost = "localhost"\n').guard.host == "localhost"


def test_a_port_out_of_range_is_an_error_at_its_line(tmp_path: Path) -> None:
    """port = 70000: the file and line, and the bound."""
    with pytest.raises(ConfigError, match=r"config.toml:2: \[guard\] port = 70000"):
        settings_from(tmp_path, "[guard]\nport = 70000\n")
