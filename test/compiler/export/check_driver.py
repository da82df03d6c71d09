"""The driver both check scripts share: cases from argv[1], results by case name to argv[2]."""
import json
import sys


def run_cases(run_case):
    cases = json.load(open(sys.argv[1]))
    results = {}
    for case in cases:
        try:
            results[case["name"]] = run_case(case)
        except Exception as e:  # reported per case by the test
            results[case["name"]] = {"error": f"{type(e).__name__}: {e}"}
    json.dump(results, open(sys.argv[2], "w"))
