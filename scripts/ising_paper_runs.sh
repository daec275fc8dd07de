#!/usr/bin/env bash
# Chapter 3 at the paper's scale (issue 15): every ising_grokking run of the archive, in the order they are
# computed (most needed first). Resumable: runs already in the store are loaded, not recomputed.
#
#   GROKBOOK_RESULTS=/path/to/store WORKERS=2 bash scripts/ising_paper_runs.sh
#
# Run it from a clean checkout (the archive takes only results of a clean commit), then copy the store's
# ising_grokking/ into grokbook/archive/. Cost, measured with 2 workers on 2 cores: ~155 s per 25,000-epoch
# run (~250 s per 40,000), about 3 hours for steps 1-4 at 5 seeds. The paper scale flushes subnormal floats
# (flush_denormals); without it the late epochs were 5 times slower (700-800 s per run). Width 144 (step 5)
# costs ~4x per epoch. Chapter 3 reads each sweep point as ising_bins.sweep_config(name, value) gives it.
set -euo pipefail
results=${GROKBOOK_RESULTS:-results}
workers=${WORKERS:-2}
run() { python -m grokbook run ising_grokking --scale paper --seeds 5 --results "$results" --workers "$workers" "$@"; }

# 1. The default run and the beta sweep. In the 20,000-epoch sweep, beta >= 2, c = 9 and weight decay
#    2.5e-4 reached t_grok after 70% of the run (16,650-18,000 on average): those run to 40,000 epochs.
run --sweep beta=0.25,0.5,1
run --set n_epochs=40000 --sweep beta=2,4
# 2. beta against c (beta f(x; W) = f(x; beta^(1/5) W) for this bias-free 5-layer ReLU network):
#    beta = 1 with c = 7 beta^(1/5) for each swept beta (5.305, 6.0939, 8.0409, 9.2366).
run --sweep init_scale=5.305,6.0939
run --set n_epochs=40000 --sweep init_scale=8.0409,9.2366
# 3. The initial scale c, then weight decay.
run --sweep init_scale=1,3,5
run --set n_epochs=40000 --sweep init_scale=9
run --sweep weight_decay=0,0.001,0.002
run --set n_epochs=40000 --sweep weight_decay=0.00025
# 4. The t_fit gap: other optimizers with the paper's weight decay as L2, AdamW (decoupled) with the
#    paper's decay and a thousandfold one, and the two other readings of "c x U" (init_distribution).
python -m grokbook run ising_grokking --scale paper --seeds 2 --results "$results" --workers "$workers" \
  --set optimizer=sgd lr=0.01 --sweep weight_decay=0.0005
python -m grokbook run ising_grokking --scale paper --seeds 2 --results "$results" --workers "$workers" \
  --set optimizer=rmsprop lr=0.0001 --sweep weight_decay=0.0005
python -m grokbook run ising_grokking --scale paper --seeds 3 --results "$results" --workers "$workers" \
  --set optimizer=adamw --sweep weight_decay=0.0005
python -m grokbook run ising_grokking --scale paper --seeds 5 --results "$results" --workers "$workers" \
  --set optimizer=adamw --sweep weight_decay=0.5
python -m grokbook run ising_grokking --scale paper --seeds 3 --results "$results" --workers "$workers" \
  --sweep init_distribution=symmetric_uniform
python -m grokbook run ising_grokking --scale paper --seeds 2 --results "$results" --workers "$workers" \
  --sweep init_distribution=unit_uniform
# 5. The dropout sweep at the paper's width 144 (~9 minutes per run on one core, flush_denormals): 3 seeds.
python -m grokbook run ising_grokking --scale paper --seeds 3 --results "$results" --workers "$workers" \
  --set width=144 --sweep dropout=0,0.02,0.1,0.2
#    p = 0.04 reached t_grok at 82% of 25,000 epochs (20,500 on average): it runs to 40,000.
python -m grokbook run ising_grokking --scale paper --seeds 3 --results "$results" --workers "$workers" \
  --set width=144 n_epochs=40000 --sweep dropout=0.04
