"""The audit's machine-readable formats beyond the JSON contract: ASFF for Security Hub, SARIF 2.1.0 and JUnit
XML for CI, and the ids each control has in the later versions of the benchmark."""

FORMATS = ("table", "json", "csv", "asff", "sarif", "junit")  # `audit --format`
