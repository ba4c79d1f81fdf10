"""The sandbox account: moto, seeded as a realistic AWS account, for the demo, tests and benchmarks."""
