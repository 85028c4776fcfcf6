"""Indicative exchange rates to US dollars, used only to make fee statistics comparable.

The SDG indicator 10.7.1 is a ratio (fees ÷ monthly wage), so it is currency-free whenever both
are converted at the same rate; medians of fees are reported in USD. Rates are rough mid-2026
levels for the currencies of the main Asian and Gulf corridors; a deployment overrides or
extends them with the ``AGENCY_USD_RATES`` setting (``{"MMK": "0.00048", ...}``). A currency
without a rate is refused with a clear error rather than guessed.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings

# Units of USD per one unit of the currency.
DEFAULT_USD_RATES: dict[str, str] = {
    "USD": "1",
    "EUR": "1.08",
    "GBP": "1.27",
    "AED": "0.2723",
    "BDT": "0.0083",
    "BHD": "2.65",
    "HKD": "0.128",
    "IDR": "0.000062",
    "INR": "0.012",
    "JPY": "0.0066",
    "KHR": "0.000245",
    "KRW": "0.00073",
    "KWD": "3.25",
    "LAK": "0.000046",
    "LKR": "0.0033",
    "MMK": "0.00048",
    "MYR": "0.22",
    "NPR": "0.0075",
    "OMR": "2.6",
    "PHP": "0.0175",
    "PKR": "0.0036",
    "QAR": "0.2747",
    "SAR": "0.2666",
    "SGD": "0.74",
    "THB": "0.028",
    "TWD": "0.031",
    "VND": "0.000039",
}

CENT = Decimal("0.01")


def usd_rates() -> dict[str, Decimal]:
    rates = {**DEFAULT_USD_RATES, **getattr(settings, "AGENCY_USD_RATES", {})}
    return {code.upper(): Decimal(str(rate)) for code, rate in rates.items()}


def supported_currencies() -> list[str]:
    return sorted(usd_rates())


def to_usd(amount: Decimal, currency: str) -> Decimal:
    """``amount`` in USD, rounded to cents. Raises KeyError for an unknown currency."""
    return (Decimal(amount) * usd_rates()[currency.upper()]).quantize(CENT, ROUND_HALF_UP)
