"""Currencies a contribution can be counted in: the active ISO 4217 currency codes.

A constant list, so that a typo ("CDN", "EURO") is refused with a clear message instead of
creating a currency of its own in the partnership's totals. Funds codes, precious metals,
the SDR and the testing codes are left out: nobody contributes in them.

Source: ISO 4217 list one (current currency and funds), as amended up to 2025
(XCG replaces ANG; ZWG replaces ZWL; SLE replaces SLL; VED alongside VES).
"""

from __future__ import annotations

ISO_4217 = frozenset("""
AED AFN ALL AMD AOA ARS AUD AWG AZN BAM BBD BDT BGN BHD BIF BMD BND BOB BRL BSD BTN BWP BYN BZD
CAD CDF CHF CLP CNY COP CRC CUP CVE CZK DJF DKK DOP DZD EGP ERN ETB EUR FJD FKP GBP GEL GHS GIP
GMD GNF GTQ GYD HKD HNL HTG HUF IDR ILS INR IQD IRR ISK JMD JOD JPY KES KGS KHR KMF KPW KRW KWD
KYD KZT LAK LBP LKR LRD LSL LYD MAD MDL MGA MKD MMK MNT MOP MRU MUR MVR MWK MXN MYR MZN NAD NGN
NIO NOK NPR NZD OMR PAB PEN PGK PHP PKR PLN PYG QAR RON RSD RUB RWF SAR SBD SCR SDG SEK SGD SHP
SLE SOS SRD SSP STN SVC SYP SZL THB TJS TMT TND TOP TRY TTD TWD TZS UAH UGX USD UYU UZS VED VES
VND VUV WST XAF XCD XCG XOF XPF YER ZAR ZMW ZWG
""".split())

#: Offered first in forms; any code in ISO_4217 is accepted.
COMMON = ("CAD", "USD", "EUR", "GBP", "AUD", "NZD", "CHF")


def normalise(code: str | None) -> str:
    return (code or "").strip().upper()


def is_known(code: str | None) -> bool:
    return normalise(code) in ISO_4217
