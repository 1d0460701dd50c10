# What an analyst would otherwise use: pandas (openpyxl for xlsx).
import resource, sys
import pandas as pd

kind, path = sys.argv[1], sys.argv[2]
if kind == 'csv':
    df = pd.read_csv(path, encoding=sys.argv[3] if len(sys.argv) > 3 else 'utf-8')
else:
    df = pd.read_excel(path, engine='openpyxl')
print(f"rows {len(df)}", file=sys.stderr)
print(f"peak-rss-kib {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}", file=sys.stderr)
