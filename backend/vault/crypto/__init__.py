"""The vault's cryptography: published constructions built only from ``cryptography`` primitives.

- ``streaming``: Tink's AES-GCM-HKDF streaming AEAD inside the ``FTV1`` container (files).
- ``resume``: the same stream written in pieces across requests (resumable uploads).
- ``keys``: the key hierarchy (data key -> worker key -> master key), AES-256-GCM key wrapping.
- ``fields``: AES-256-GCM sealing of small metadata values.
- ``signing``: Ed25519 receipts over canonical JSON.
- ``chain``: the SHA-256 hash chain of the tamper-evident trail.

Nothing here touches the database; only ``keys`` and ``signing`` read Django settings. The byte
formats are specified in docs/encryption.md.
"""
