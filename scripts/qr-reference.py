#!/usr/bin/env python3
"""Writes reference QR matrices made by the `qrcode` package (PyPI) for the Swift encoder's test.

Run once when the cases change: pip install qrcode && python3 scripts/qr-reference.py
Each case: a header line `data<TAB>level<TAB>mask<TAB>version`, then one line of 0/1 per row.
"""
import pathlib
import qrcode
from qrcode.constants import ERROR_CORRECT_L, ERROR_CORRECT_M

CASES = [
    ("https://example.org", "L", 0),
    ("http://127.0.0.1:8080/checkout/cs_local_9f2c4b7e1a3d5f60718293a4b5c6d7e8", "L", 3),
    ("http://127.0.0.1:8080/checkout/cs_local_9f2c4b7e1a3d5f60718293a4b5c6d7e8", "M", 5),
    ("https://checkout.stripe.com/c/pay/cs_test_a1B2c3D4e5F6g7H8i9J0kLmNoPqRsTuVwXyZ#fidkdWxOYHwnPyd1blpxYHZxWjA0SDZsaG9cY2tJ", "L", 6),
    ("https://checkout.stripe.com/c/pay/cs_test_a1B2c3D4e5F6g7H8i9J0kLmNoPqRsTuVwXyZ#fidkdWxOYHwnPyd1blpxYHZxWjA0SDZsaG9cY2tJfWBcZ2ZgYGR3YGhsZGd0YHZxYHVpY3NgaGNkYGRnYGQ9PT0nKSdobGF2Jz9", "L", 7),
    ("https://checkout.stripe.com/c/pay/cs_test_a1B2c3D4e5F6g7H8i9J0kLmNoPqRsTuVwXyZ#fidkdWxOYHwnPyd1blpxYHZxWjA0SDZsaG9cY2tJfWBcZ2ZgYGR3YGhsZGd0YHZxYHVpY3NgaGNkYGRnYGQ9PT0nKSdobGF2Jz9%2BJ3BsYW4nKSdpZGJgY3B2ZHxtJz8nYWZmJykndmxsJz8n", "M", 1),
]
out = []
for data, level, mask in CASES:
    qr = qrcode.QRCode(error_correction=ERROR_CORRECT_L if level == "L" else ERROR_CORRECT_M, border=0, mask_pattern=mask)
    qr.add_data(data.encode("utf-8"), optimize=0)
    qr.make(fit=True)
    out.append(f"{data}\t{level}\t{mask}\t{qr.version}")
    out.extend("".join("1" if cell else "0" for cell in row) for row in qr.modules)
path = pathlib.Path(__file__).resolve().parent.parent / "Tests/ClinicTUITests/Fixtures/qr-reference.txt"
path.write_text("\n".join(out) + "\n")
print(f"wrote {len(CASES)} cases to {path}")
