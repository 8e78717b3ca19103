"""The compute app's work written by hand in plain pandas, as a baseline for mode 0.

Usage: python handwritten_compute.py DATA_IN DATA_OUT STEPS
"""

import sys
from pathlib import Path

import pandas as pd


def orbit(x, r, steps):
    total = 0.0
    peak = 0.0
    for _ in range(steps):
        x = r * x * (1.0 - x)
        total += x
        if x > peak:
            peak = x
    return total / steps, peak


def main():
    data_in, data_out, steps = Path(sys.argv[1]), Path(sys.argv[2]), int(sys.argv[3])
    data_out.mkdir(parents=True, exist_ok=True)
    for path in sorted(data_in.glob("*.csv")):
        frame = pd.read_csv(path)
        results = [orbit(x, r, steps) for x, r in zip(frame["x"].tolist(), frame["r"].tolist(), strict=True)]
        frame["orbit_mean"] = [m for m, _ in results]
        frame["orbit_max"] = [p for _, p in results]
        frame["source_file"] = path.name
        frame.to_parquet(data_out / f"{path.stem}_scored.parquet", index=False)


if __name__ == "__main__":
    main()
