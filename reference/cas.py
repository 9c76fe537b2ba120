"""CAS Registry Numbers: format and check digit."""

import re

from django.core.exceptions import ValidationError

CAS_PATTERN = re.compile(r"^(\d{2,7})-(\d{2})-(\d)$")


def cas_check_digit(body: str) -> int:
    """The check digit of a CAS number's first two parts, e.g. "7440-43" -> 9."""
    digits = [int(d) for d in body.replace("-", "")]
    return sum(position * digit for position, digit in enumerate(reversed(digits), start=1)) % 10


def validate_cas(value: str) -> None:
    match = CAS_PATTERN.match(value or "")
    if not match:
        raise ValidationError(
            f"{value!r} is not a CAS Registry Number: expected digits in the form 1234567-89-0.",
            code="cas_format",
        )
    expected = cas_check_digit(match.group(1) + match.group(2))
    if int(match.group(3)) != expected:
        raise ValidationError(
            f"CAS number {value} has a wrong check digit: {match.group(3)}, expected {expected}. "
            "Check it against the source or the CAS registry.",
            code="cas_check_digit",
        )


def looks_like_cas(text: str) -> bool:
    return bool(CAS_PATTERN.match(text.strip()))
