"""Per-recipient pseudonymisation keys and keyed HMAC-SHA256 pseudonyms.

A recipient's key lives in ``<home>/secrets/share-keys/<recipient>.key`` (mode 600). The same key gives
the same pseudonym for a trader in every release to that recipient, so a researcher can follow a trader
over time; another recipient's key gives unrelated pseudonyms, so two recipients cannot join their
releases. A missing key is never silently re-created for a recipient who already received releases:
their pseudonyms would stop matching.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import re
import secrets
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc

from clearsight.core.errors import UserError

KEY_FOLDER = "share-keys"
RECIPIENT_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
#: Hex characters kept from the HMAC (64 bits: collisions are negligible below billions of values).
PSEUDONYM_HEX = 16


def key_folder(secrets_dir: Path) -> Path:
    return secrets_dir / KEY_FOLDER


def check_recipient(name: str) -> str:
    if not RECIPIENT_RE.match(name or ""):
        raise UserError(
            f"--recipient must be 1-64 letters, digits, '.', '_' or '-' (starting with a letter or digit), "
            f"not {name!r}"
        )
    return name


def _history_path(secrets_dir: Path) -> Path:
    return key_folder(secrets_dir) / "releases.json"


def release_history(secrets_dir: Path) -> dict[str, list[str]]:
    """Recipient -> names of the releases built with their key (to tell a lost key from a new recipient)."""
    path = _history_path(secrets_dir)
    if not path.is_file():
        return {}
    return json.loads(path.read_text(encoding="utf-8"))


def record_release(secrets_dir: Path, recipient: str, release_name: str) -> None:
    history = release_history(secrets_dir)
    history.setdefault(recipient, []).append(release_name)
    path = _history_path(secrets_dir)
    path.write_text(json.dumps(history, indent=2), encoding="utf-8")
    path.chmod(0o600)


def new_key() -> bytes:
    """A new random 256-bit key (kept in memory until the release it serves is complete)."""
    return secrets.token_bytes(32)


def save_key(secrets_dir: Path, recipient: str, key: bytes) -> Path:
    """Write ``key`` as the recipient's key file, mode 600; never overwrites an existing key."""
    check_recipient(recipient)
    folder = key_folder(secrets_dir)
    folder.mkdir(parents=True, exist_ok=True)
    folder.chmod(0o700)
    path = folder / f"{recipient}.key"
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)  # O_EXCL: never overwrite
    with os.fdopen(fd, "w") as fh:
        fh.write(key.hex() + "\n")
    return path


def load_key(secrets_dir: Path, recipient: str, create: bool = False) -> tuple[bytes, bool]:
    """(the recipient's key, whether it is new). A new key is only returned, not saved: the caller saves
    it with :func:`save_key` once the release is complete. A missing key without ``create`` is a UserError."""
    check_recipient(recipient)
    path = key_folder(secrets_dir) / f"{recipient}.key"
    if not path.is_file():
        earlier = release_history(secrets_dir).get(recipient, [])
        if not create:
            if earlier:
                raise UserError(
                    f"the key of recipient {recipient!r} is missing ({path}) but {len(earlier)} release(s) were "
                    "built with it: restore it from your backup, or pass --new-key to issue a new one "
                    "(pseudonyms will then not match the earlier releases)"
                )
            raise UserError(
                f"no key for recipient {recipient!r} in {path.parent}: pass --new-key to create one "
                "(keep a backup: the same key is needed to give this recipient matching pseudonyms later)"
            )
        return new_key(), True
    mode = path.stat().st_mode & 0o777
    if mode & 0o077:
        raise UserError(f"key file {path} is readable by others (mode {mode:o}): run chmod 600 on it")
    text = path.read_text(encoding="utf-8").strip()
    try:
        key = bytes.fromhex(text)
    except ValueError:
        key = b""
    if len(key) < 16:
        raise UserError(f"key file {path} does not hold a hex key of at least 128 bits")
    return key, False


def pseudonym(key: bytes, domain: str, value: str) -> str:
    """HMAC-SHA256 of ``domain:value`` under ``key``, first 16 hex characters."""
    digest = hmac.new(key, f"{domain}:{value}".encode(), hashlib.sha256).hexdigest()
    return digest[:PSEUDONYM_HEX]


def pseudonymise(column: pa.ChunkedArray | pa.Array, key: bytes, domain: str) -> pa.Array:
    """Pseudonyms for a column of identifiers (NULL stays NULL); each distinct value is hashed once."""
    encoded = pc.dictionary_encode(pa.chunked_array([column]) if isinstance(column, pa.Array) else column)
    encoded = encoded.combine_chunks() if isinstance(encoded, pa.ChunkedArray) else encoded
    names = pa.array(
        [pseudonym(key, domain, v) for v in encoded.dictionary.cast(pa.string()).to_pylist()], pa.string()
    )
    return pc.take(names, encoded.indices)


def key_fingerprint(key: bytes) -> str:
    """A short, non-reversible fingerprint of a key, for the manifest (says which key, not the key)."""
    return hashlib.sha256(b"clearsight-key-fingerprint:" + key).hexdigest()[:12]
