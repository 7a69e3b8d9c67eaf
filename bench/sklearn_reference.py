"""Reference AUCs for bench/quality.ts: scikit-learn default models fitted on exactly the splits Tandem used.

Reads one JSON job on stdin (written by bench/quality.ts) and prints one JSON object on stdout:

  job:    {"csv": path, "idColumn": str | null, "ids": [str], "tasks": [{"name", "labels": [0 | 1 | null],
           "featureSets": {"tandem": [col], "readme": [col]}}], "splits": [{"seed", "train": [row], "test": [row]}]}
  output: {"sklearn": version, "tasks": {name: {"tandem": {"logreg": [auc per split], "hgb": [...]},
           "readme": {...}}}, "seconds": float}

Rows are 0-based data rows of the CSV, as Tandem numbers them; labels come from Tandem (so the positives and the
`when` masks are Tandem's), features from the CSV read as text. A column is numeric when at least 99% of its
non-empty cells parse as numbers (the rest are missing), else categorical. The models, sklearn defaults otherwise:

  logreg: median imputation + standardisation of numbers, one-hot categories (missing is its own value,
          unseen ones ignored), LogisticRegression(max_iter=1000) (the default 100 iterations warn on these data);
  hgb:    HistGradientBoostingClassifier(random_state=0) on the numbers as they are (NaN is handled natively)
          and the categories ordinal-encoded and declared categorical (unseen ones are missing).

Both are fitted on the train rows (Tandem's train + validation, which Tandem uses for early stopping) that carry a
label and scored on the labelled test rows. Progress goes to stderr.
"""

import json
import sys
import time

import numpy as np
import pandas as pd
import sklearn
from sklearn.compose import ColumnTransformer
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import OneHotEncoder, OrdinalEncoder, StandardScaler

NUMERIC_SHARE = 0.99


def read_table(job):
    frame = pd.read_csv(job["csv"], dtype=str, keep_default_na=False)
    if len(frame) != len(job["ids"]):
        raise SystemExit(f"sklearn_reference: {job['csv']} has {len(frame)} rows, Tandem read {len(job['ids'])}")
    if job["idColumn"] is not None and list(frame[job["idColumn"]]) != job["ids"]:
        raise SystemExit(f"sklearn_reference: the ids in {job['csv']} do not match Tandem's row order")
    return frame


def typed_columns(frame, columns):
    """Numbers as float (NaN where missing), categories as text; and which columns are numeric."""
    numeric, categorical, data = [], [], {}
    for column in columns:
        text = frame[column].str.strip()
        present = text != ""
        parsed = pd.to_numeric(text.where(present), errors="coerce")
        share = parsed[present].notna().mean() if present.any() else 0.0
        if share >= NUMERIC_SHARE:
            numeric.append(column)
            data[column] = parsed.astype(float)
        else:
            categorical.append(column)
            data[column] = text.where(present, "(missing)")
    return pd.DataFrame(data), numeric, categorical


def logreg(numeric, categorical):
    transform = ColumnTransformer(
        [
            ("num", make_pipeline(SimpleImputer(strategy="median"), StandardScaler()), numeric),
            ("cat", OneHotEncoder(handle_unknown="ignore"), categorical),
        ]
    )
    return Pipeline([("features", transform), ("model", LogisticRegression(max_iter=1000))])


def hgb(numeric, categorical):
    encoder = OrdinalEncoder(handle_unknown="use_encoded_value", unknown_value=np.nan)
    transform = ColumnTransformer([("num", "passthrough", numeric), ("cat", encoder, categorical)])
    mask = [False] * len(numeric) + [True] * len(categorical)
    model = HistGradientBoostingClassifier(categorical_features=mask if categorical else None, random_state=0)
    return Pipeline([("features", transform), ("model", model)])


def main():
    started = time.time()
    job = json.load(sys.stdin)
    frame = read_table(job)
    out = {}
    for task in job["tasks"]:
        labels = np.array([np.nan if v is None else float(v) for v in task["labels"]])
        out[task["name"]] = {}
        for set_name, columns in task["featureSets"].items():
            features, numeric, categorical = typed_columns(frame, columns)
            scores = {"logreg": [], "hgb": []}
            for split in job["splits"]:
                train = [r for r in split["train"] if not np.isnan(labels[r])]
                test = [r for r in split["test"] if not np.isnan(labels[r])]
                for name, build in (("logreg", logreg), ("hgb", hgb)):
                    model = build(numeric, categorical).fit(features.iloc[train], labels[train])
                    probability = model.predict_proba(features.iloc[test])[:, 1]
                    scores[name].append(round(float(roc_auc_score(labels[test], probability)), 4))
                print(f"sklearn_reference: {task['name']} ({set_name}) seed {split['seed']}: "
                      f"logreg {scores['logreg'][-1]}, hgb {scores['hgb'][-1]}", file=sys.stderr)
            out[task["name"]][set_name] = {**scores, "numeric": len(numeric), "categorical": len(categorical)}
    print(json.dumps({"sklearn": sklearn.__version__, "tasks": out, "seconds": round(time.time() - started, 1)}))


if __name__ == "__main__":
    main()
