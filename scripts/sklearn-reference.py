# The reference numbers of test/runtime/metrics/sklearn-reference.test.ts, computed as
# disentanglement_lib does with scikit-learn (checked with 1.2.1) on the data of
# scripts/sklearn-reference-data.ts:
#   npx tsx scripts/sklearn-reference-data.ts > /tmp/data.json && python3 scripts/sklearn-reference.py /tmp/data.json
import json, sys
import numpy as np, scipy.stats
from sklearn import ensemble, linear_model, svm
from sklearn.metrics import mutual_info_score

d = json.load(open(sys.argv[1]))
dim, nf = d['dim'], len(d['sizes'])
xtr, ytr = np.array(d['train']['x']).reshape(-1, dim), np.array(d['train']['y']).reshape(-1, nf)
xte, yte = np.array(d['test']['x']).reshape(-1, dim), np.array(d['test']['y']).reshape(-1, nf)

# DCI (dci.py): importances and test accuracy of GradientBoostingClassifier() per factor.
R, acc = np.zeros((dim, nf)), []
for f in range(nf):
    m = ensemble.GradientBoostingClassifier(random_state=0).fit(xtr, ytr[:, f])
    R[:, f] = np.abs(m.feature_importances_)
    acc.append(np.mean(m.predict(xte) == yte[:, f]))
dis = np.sum((1 - scipy.stats.entropy(R.T + 1e-11, base=nf)) * R.sum(axis=1) / R.sum())
com = np.sum((1 - scipy.stats.entropy(R + 1e-11, base=dim)) * R.sum(axis=0) / R.sum())

# SAP (sap_score.py, discrete factors): LinearSVC(C=0.01, class_weight="balanced") per dimension and factor.
S = np.array([[np.mean(svm.LinearSVC(C=0.01, class_weight='balanced').fit(xtr[:, i:i + 1], ytr[:, j]).predict(xte[:, i:i + 1]) == yte[:, j])
               for j in range(nf)] for i in range(dim)])

# MIG (mig.py, utils.py): 20-bin histograms, mutual_info_score, on the training points.
disc = [np.digitize(xtr[:, i], np.histogram(xtr[:, i], 20)[1][:-1]) for i in range(dim)]
M = np.sort(np.array([[mutual_info_score(ytr[:, j], disc[i]) for j in range(nf)] for i in range(dim)]), axis=0)[::-1]
H = np.array([mutual_info_score(ytr[:, j], ytr[:, j]) for j in range(nf)])
mig = np.mean((M[0] - M[1]) / H)

# β-VAE metric (beta_vae.py): LogisticRegression() on the points.
bx, by = np.array(d['betaTrain']['x']).reshape(-1, dim), np.array(d['betaTrain']['y'])
lr = linear_model.LogisticRegression().fit(bx, by)

print(json.dumps({'dci': {'importance': R.tolist(), 'accuracy': acc, 'disentanglement': dis, 'completeness': com},
                  'sap': S.tolist(), 'mig': mig, 'logistic': {'coef': lr.coef_.tolist(), 'intercept': lr.intercept_.tolist()}}))
