"""The SAM peer: translate a SAM template (JSON) to CloudFormation, as `sam build`
and CloudFormation's own transform do, and print it.  Managed policies are not
looked up (no IAM call); the apps here use policy templates only.

usage: python3 bench/sam_translate.py TEMPLATE.json
       python3 bench/sam_translate.py --time N TEMPLATE.json
         (translate N times in this one process and print the median
          seconds of one translation: the translator without start-up)
"""
import copy
import json
import statistics
import sys
import time

from samtranslator.translator.transform import transform


class NoManagedPolicies:
    def load(self):
        return {}


def main(args):
    repeat = 0
    if args[0] == "--time":
        repeat, args = int(args[1]), args[2:]
    with open(args[0]) as f:
        template = json.load(f)
    if repeat:
        times = []
        for _ in range(repeat):
            fresh = copy.deepcopy(template)     # the translator edits its input
            t0 = time.perf_counter()
            transform(fresh, {}, NoManagedPolicies())
            times.append(time.perf_counter() - t0)
        print(statistics.median(times))
        return
    out = transform(template, {}, NoManagedPolicies())
    json.dump(out, sys.stdout, indent=2, sort_keys=True)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main(sys.argv[1:])
