#!/usr/bin/env bash
# The CUDA checks in one run on a GPU machine (gankit installed, a CUDA build of torch):
#   1. every task's training path on CUDA through the CLI, a resume, sampling;
#   2. the training-step benchmarks against their reference loops, on a quiet GPU;
#   3. the training rates of the bundled digits and voxel recipes (voxel with and without data-loader workers).
#
#   bash benchmarks/cuda.sh [RESULTS_DIR] [RUNS_DIR]      # defaults: benchmarks/results, runs/cuda
set -u
results=${1:-benchmarks/results}
runs=${2:-runs/cuda}
mkdir -p "$results" "$runs"
log="$results/cuda-checks.txt"
say() { echo "$ $*" | tee -a "$log"; "$@" 2>&1 | tr '\r' '\n' | grep -v "step/s\|it/s\|sample/s" | tee -a "$log"; echo "(exit ${PIPESTATUS[0]})" | tee -a "$log"; }

nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv | tee "$log"
python3 -c "import torch; print('torch', torch.__version__, 'CUDA', torch.version.cuda, torch.cuda.get_device_name())" | tee -a "$log"

# 1. the CLI on CUDA, one short run per task (fp32; `--amp` for bf16 autocast)
say python3 -m gankit train dcgan --data digits --out "$runs/dcgan" --device cuda --steps 300 --checkpoint-every 200 --quiet
say python3 -m gankit train dcgan --data digits --out "$runs/dcgan" --device cuda --steps 400 --resume --quiet
say python3 -m gankit run "$runs/dcgan" --device cuda --n 64 --out "$runs/dcgan.png"
say python3 -m gankit train stackgan --data shapes --out "$runs/stackgan" --device cuda --steps 100 --quiet
say python3 -m gankit run "$runs/stackgan" --device cuda --text "a large red circle on a blue background" --out "$runs/stackgan.png"
say python3 -m gankit train nextframe --data bouncing --out "$runs/nextframe" --device cuda --steps 100 --quiet
say python3 -m gankit train voxel --data primitives --out "$runs/voxel" --device cuda --steps 100 --workers 4 --quiet
say python3 -m gankit run "$runs/voxel" --device cuda --n 8 --out "$runs/voxel.png"

# 2. benchmarks (nothing else on the GPU)
(cd benchmarks && python3 train_step.py --device cuda --steps 50 --rounds 5) 2>&1 | tee "$results/train_step_cuda.txt"
(cd benchmarks && python3 train_step.py --device cuda --steps 50 --rounds 5 --batch-size 256) 2>&1 | tee -a "$results/train_step_cuda.txt"
(cd benchmarks && python3 voxel.py --device cuda --steps 50 --rounds 5) 2>&1 | tee "$results/voxel_cuda.txt"

# 3. training rates of the bundled recipes, each run alone (steps/s between the 50th and the last step)
rate() { python3 -c "import json,sys;L=[json.loads(l) for l in open(sys.argv[1]+'/metrics.jsonl')];a,b=L[4],L[-1];print(sys.argv[1], round((b['step']-a['step'])/(b['time']-a['time']),1),'steps/s over steps',a['step'],'-',b['step'])" "$1"; }
quiet="--device cuda --sample-every 100000 --checkpoint-every 100000 --quiet"
voxel="--data primitives --steps 500 -o conditional=true -o class_loss=1 -o ngf=32 -o target_blur=0.5 -o pose=turned --d-accuracy-threshold 1 --lr-g 1e-3"  # the bundled recipe (the rates in results/ are of the earlier one: ngf 16, blur 1)
for w in 0 4; do python3 -m gankit train voxel $voxel $quiet --workers $w --out "$runs/voxel-workers$w" >/dev/null 2>&1; rate "$runs/voxel-workers$w"; done | tee "$results/cuda-training-rates.txt"
python3 -m gankit train dcgan --data digits -o ngf=32 -o ndf=32 --r1-gamma 1 --steps 2000 $quiet --out "$runs/digits" >/dev/null 2>&1
rate "$runs/digits" | tee -a "$results/cuda-training-rates.txt"
python3 -m gankit train voxel $voxel $quiet -o ndf=32 --batch-size 128 --workers 8 --out "$runs/voxel-b128" >/dev/null 2>&1
rate "$runs/voxel-b128" | tee -a "$results/cuda-training-rates.txt"
