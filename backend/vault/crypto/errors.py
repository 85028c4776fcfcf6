"""The one error the crypto package raises for data that fails authentication."""


class IntegrityError(Exception):
    """Ciphertext, a wrapped key or a sealed value failed authentication or is malformed.

    Raised for tag failures, truncation, extension, reordering and a wrong key id, magic or
    version. Callers must treat the data as lost or tampered with: no plaintext is returned.
    The message never contains key material or plaintext.
    """
