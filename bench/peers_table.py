"""The peers table from bench/peers.sh's JSON reports: one row per server and scenario, and each
figure's ratio to Sluice's (for memory and latency, peer ÷ Sluice: above 1 means Sluice uses less;
for deliveries/s, Sluice ÷ peer: above 1 means Sluice delivers more)."""
import glob
import json
import os
import sys

out, servers = sys.argv[1], sys.argv[2:]


def load(name):
    path = os.path.join(out, name)
    return json.load(open(path)) if os.path.exists(path) else None


def ratio(a, b):
    return f"{a / b:.2f}×" if a and b else "–"


print("| server | idle bytes/stream | vs sluice |")
print("|---|---|---|")
base = load("sluice-idle.json")
for s in servers:
    r = load(f"{s}-idle.json")
    if r:
        print(f"| {s} | {r['bytesPerConnection']:,.0f} ({r['connected']:,} streams) | "
              f"{ratio(r['bytesPerConnection'], base and base['bytesPerConnection'])} |")

rates = sorted({f.split("-fanout-")[1][:-5] for f in map(os.path.basename, glob.glob(os.path.join(out, "*-fanout-*.json")))},
               key=float)
for rate in rates:
    print()
    print(f"fanout at {rate} messages/s")
    print()
    print("| server | streams | delivered | deliveries/s | sluice ÷ server | p50 ms | p99 ms | p99 server ÷ sluice | p99.9 ms | server CPU s | load gen CPU s |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    base = load(f"sluice-fanout-{rate}.json")
    for s in servers:
        r = load(f"{s}-fanout-{rate}.json")
        if not r:
            continue
        lat = r["latency"]
        cpu = r.get("serverCPUSeconds")
        print(f"| {s} | {r['connected']:,} | {r['deliveries']:,}/{r['expectedDeliveries']:,} | {r['deliveriesPerSecond']:,.0f} | "
              f"{ratio(base and base['deliveriesPerSecond'], r['deliveriesPerSecond'])} | {lat['p50']:.1f} | {lat['p99']:.1f} | "
              f"{ratio(lat['p99'], base and base['latency']['p99'])} | {lat['p999']:.1f} | "
              f"{cpu:.1f} | {r['loadGeneratorCPUSeconds']:.1f} |" if cpu is not None else "–")
