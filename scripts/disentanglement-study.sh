#!/usr/bin/env bash
# The disentanglement study of docs/disentanglement.md: the SDN and the CNN decoder, the same
# β-VAE recipe and data, several seeds; then the five scores of each run and a summary table.
# Usage: scripts/disentanglement-study.sh [OUT_DIR]   (env: SIZE, STEPS, BATCH, SEEDS, GRID, EXECUTOR)
set -euo pipefail
out=${1:-runs/disentanglement}
size=${SIZE:-16}
steps=${STEPS:-2000}
batch=${BATCH:-16}
seeds=${SEEDS:-"0 1 2"}
grid=${GRID:-10,10,10,4,4,5}
executor=${EXECUTOR:-webgpu}
sdn="node $(dirname "$0")/../dist/cli/main.js"
mkdir -p "$out"
for model in cnn sdn; do
  for seed in $seeds; do
    run="$out/$model-s$seed"
    # An interrupted run (Ctrl-C, SIGTERM) continues from its checkpoint; a finished one is kept.
    resume=""
    if [ -f "$run/checkpoint.safetensors" ]; then resume="--resume"; fi
    $sdn train "models/3dshapes-$model.sdn" --set "size=$size" --data "shapes3d:train=20000" \
      --executor "$executor" --steps "$steps" --batch "$batch" --seed "$seed" \
      --eval-every 500 --eval-images 500 -o "$run" $resume
    if [ ! -f "$run/disentanglement.json" ]; then
      $sdn metrics "models/3dshapes-$model.sdn" --set "size=$size" --run "$run" \
        --executor "$executor" --factor-sizes "$grid" --seed 0
    fi
  done
done
node --import tsx "$(dirname "$0")/disentanglement-table.ts" "$out"
