"""resource.Quantity as the API server reads and prints it (`100m`, `2`, `64Mi`, `1k`).

Upstream: staging/src/k8s.io/apimachinery/pkg/api/resource/quantity.go. A quantity keeps the
format it was written in (binary `Ki`/`Mi`/... or decimal), a sum keeps the first operand's
format (Quantity.Add), and String() prints the canonical form: the largest suffix that leaves a
whole number, with binary quantities below 1024 or not whole printed as decimal
(CanonicalizeBytes). Exponent forms (`1e3`) are read and printed as decimal SI here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import ROUND_CEILING, Decimal

BINARY = {"Ki": 1, "Mi": 2, "Gi": 3, "Ti": 4, "Pi": 5, "Ei": 6}  # powers of 1024
DECIMAL = {"n": -9, "u": -6, "m": -3, "": 0, "k": 3, "M": 6, "G": 9, "T": 12, "P": 15, "E": 18}
_SUFFIX_BY_EXPONENT = {exponent: suffix for suffix, exponent in DECIMAL.items()}
_QUANTITY = re.compile(r"^([+-]?(?:\d+\.?\d*|\.\d+))(Ki|Mi|Gi|Ti|Pi|Ei|[numkMGTPE]|[eE][+-]?\d+)?$")


@dataclass(frozen=True)
class Quantity:
    value: Decimal
    binary: bool = False

    def __add__(self, other: Quantity) -> Quantity:
        return Quantity(self.value + other.value, self.binary)

    def __str__(self) -> str:
        return format_quantity(self)


def parse_quantity(text: str | int | float) -> Quantity:
    """Raises ValueError with the API server's words for what it cannot read."""
    match = _QUANTITY.match(str(text).strip())
    if not match:
        raise ValueError("quantities must match the regular expression "
                         "'^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'")  # fmt: skip
    number, suffix = Decimal(match.group(1)), match.group(2) or ""
    if suffix in BINARY:
        return Quantity(number * 1024 ** BINARY[suffix], binary=True)
    if suffix[:1] in ("e", "E"):
        return Quantity(number.scaleb(int(suffix[1:])))
    return Quantity(number.scaleb(DECIMAL[suffix]))


def format_quantity(quantity: Quantity) -> str:
    value = quantity.value
    if value == 0:
        return "0"
    if quantity.binary and value == value.to_integral_value() and abs(value) >= 1024:
        power = 0
        while power < 6 and value % 1024 ** (power + 1) == 0:
            power += 1
        suffix = next(s for s, p in BINARY.items() if p == power) if power else ""
        return f"{int(value / 1024**power)}{suffix}"
    # Decimal SI: round up to nano precision, then the largest exponent leaving a whole number.
    nanos = int(value.scaleb(9).to_integral_value(rounding=ROUND_CEILING))
    exponent = -9
    while exponent < 18 and nanos % 10 ** (exponent + 12) == 0:
        exponent += 3
    return f"{nanos // 10 ** (exponent + 9)}{_SUFFIX_BY_EXPONENT[exponent]}"


def milli_value(quantity: Quantity) -> int:
    """Quantity.MilliValue: rounded up to a whole milli-unit."""
    return int(quantity.value.scaleb(3).to_integral_value(rounding=ROUND_CEILING))


def unit_value(quantity: Quantity) -> int:
    """Quantity.Value: rounded up to a whole unit (away from zero for a positive value)."""
    return int(quantity.value.to_integral_value(rounding=ROUND_CEILING))
