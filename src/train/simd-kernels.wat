;; Training-step element kernels in WebAssembly SIMD (128-bit, four float32 lanes), for src/train/simd-kernels.ts.
;; Compiled by `npm run build:simd-kernels` (wabt) into simd-kernels-binary.ts; a test checks the two agree.
;; Every float32 operation rounds as the tfjs kernels it replaces (IEEE single precision per lane), so results are
;; those of the unfused graph: relu(z) · keep / keepProbability as Relu, Multiply and RealDiv compute it, and AdamW in
;; tf.train.adam's order. Pointers are byte offsets into this module's own memory; the caller copies arrays in and out.
(module
  (memory (export "memory") 1)

  ;; out[r, j] = f32(p[r, j] + b[j]), relu'd when $relu, times keep[r, j] (0/1 bytes) and divided by keepProbability
  ;; when $masked.
  (func (export "biasForward")
    (param $p i32) (param $b i32) (param $relu i32) (param $keep i32) (param $keepProbability f32) (param $masked i32)
    (param $out i32) (param $rows i32) (param $units i32)
    (local $r i32) (local $j i32) (local $i i32) (local $z v128) (local $y v128) (local $kp v128) (local $half v128)
    (local $zs f32) (local $ys f32)
    (local.set $kp (f32x4.splat (local.get $keepProbability)))
    (local.set $half (f32x4.splat (f32.const 0.5)))
    (local.set $r (i32.const 0))
    (block $rowsDone (loop $rowLoop
      (br_if $rowsDone (i32.ge_u (local.get $r) (local.get $rows)))
      (local.set $j (i32.const 0))
      ;; four units at a time
      (block $vecDone (loop $vecLoop
        (br_if $vecDone (i32.gt_u (i32.add (local.get $j) (i32.const 4)) (local.get $units)))
        (local.set $i (i32.add (i32.mul (local.get $r) (local.get $units)) (local.get $j)))
        (local.set $z (f32x4.add
          (v128.load (i32.add (local.get $p) (i32.shl (local.get $i) (i32.const 2))))
          (v128.load (i32.add (local.get $b) (i32.shl (local.get $j) (i32.const 2))))))
        (local.set $y (local.get $z))
        (if (local.get $relu)
          (then (local.set $y (f32x4.mul (f32x4.add (local.get $z) (f32x4.abs (local.get $z))) (local.get $half)))))
        (if (local.get $masked)
          (then
            (local.set $y (f32x4.div
              (f32x4.mul (local.get $y)
                (f32x4.convert_i32x4_u (i32x4.extend_low_i16x8_u (i16x8.extend_low_i8x16_u
                  (v128.load32_zero (i32.add (local.get $keep) (local.get $i)))))))
              (local.get $kp)))))
        (v128.store (i32.add (local.get $out) (i32.shl (local.get $i) (i32.const 2))) (local.get $y))
        (local.set $j (i32.add (local.get $j) (i32.const 4)))
        (br $vecLoop)))
      ;; the remaining units one by one
      (block $tailDone (loop $tailLoop
        (br_if $tailDone (i32.ge_u (local.get $j) (local.get $units)))
        (local.set $i (i32.add (i32.mul (local.get $r) (local.get $units)) (local.get $j)))
        (local.set $zs (f32.add
          (f32.load (i32.add (local.get $p) (i32.shl (local.get $i) (i32.const 2))))
          (f32.load (i32.add (local.get $b) (i32.shl (local.get $j) (i32.const 2))))))
        (local.set $ys (local.get $zs))
        (if (local.get $relu)
          (then (local.set $ys (f32.mul (f32.add (local.get $zs) (f32.abs (local.get $zs))) (f32.const 0.5)))))
        (if (local.get $masked)
          (then
            (local.set $ys (f32.div
              (f32.mul (local.get $ys) (f32.convert_i32_u (i32.load8_u (i32.add (local.get $keep) (local.get $i)))))
              (local.get $keepProbability)))))
        (f32.store (i32.add (local.get $out) (i32.shl (local.get $i) (i32.const 2))) (local.get $ys))
        (local.set $j (i32.add (local.get $j) (i32.const 1)))
        (br $tailLoop)))
      (local.set $r (i32.add (local.get $r) (i32.const 1)))
      (br $rowLoop))))

  ;; dz = f32(g / keepProbability when $masked, else g) · [out ≠ 0] (the product keeps the sign of zero, as the
  ;; unfused Multiply does); db[j] += dz[r, j] over rows in order, in float32 (db at $db, f32) or, when $db64, in
  ;; float64 (db at $db, f64: the cpu backend's Sum).
  (func (export "reluBackward")
    (param $g i32) (param $out i32) (param $keepProbability f32) (param $masked i32)
    (param $dz i32) (param $db i32) (param $db64 i32) (param $rows i32) (param $units i32)
    (local $r i32) (local $j i32) (local $i i32) (local $v v128) (local $kp v128) (local $one v128) (local $zero v128)
    (local $vs f32)
    (local.set $kp (f32x4.splat (local.get $keepProbability)))
    (local.set $one (f32x4.splat (f32.const 1)))
    (local.set $zero (f32x4.splat (f32.const 0)))
    (local.set $r (i32.const 0))
    (block $rowsDone (loop $rowLoop
      (br_if $rowsDone (i32.ge_u (local.get $r) (local.get $rows)))
      (local.set $j (i32.const 0))
      (if (i32.eqz (local.get $db64))
        (then
          (block $vecDone (loop $vecLoop
            (br_if $vecDone (i32.gt_u (i32.add (local.get $j) (i32.const 4)) (local.get $units)))
            (local.set $i (i32.add (i32.mul (local.get $r) (local.get $units)) (local.get $j)))
            (local.set $v (v128.load (i32.add (local.get $g) (i32.shl (local.get $i) (i32.const 2)))))
            (if (local.get $masked) (then (local.set $v (f32x4.div (local.get $v) (local.get $kp)))))
            (local.set $v (f32x4.mul (local.get $v)
              (v128.and (f32x4.ne (v128.load (i32.add (local.get $out) (i32.shl (local.get $i) (i32.const 2)))) (local.get $zero))
                (local.get $one))))
            (v128.store (i32.add (local.get $dz) (i32.shl (local.get $i) (i32.const 2))) (local.get $v))
            (v128.store (i32.add (local.get $db) (i32.shl (local.get $j) (i32.const 2)))
              (f32x4.add (v128.load (i32.add (local.get $db) (i32.shl (local.get $j) (i32.const 2)))) (local.get $v)))
            (local.set $j (i32.add (local.get $j) (i32.const 4)))
            (br $vecLoop)))))
      (block $tailDone (loop $tailLoop
        (br_if $tailDone (i32.ge_u (local.get $j) (local.get $units)))
        (local.set $i (i32.add (i32.mul (local.get $r) (local.get $units)) (local.get $j)))
        (local.set $vs (f32.load (i32.add (local.get $g) (i32.shl (local.get $i) (i32.const 2)))))
        (if (local.get $masked) (then (local.set $vs (f32.div (local.get $vs) (local.get $keepProbability)))))
        (local.set $vs (f32.mul (local.get $vs)
          (select (f32.const 1) (f32.const 0)
            (f32.ne (f32.load (i32.add (local.get $out) (i32.shl (local.get $i) (i32.const 2)))) (f32.const 0)))))
        (f32.store (i32.add (local.get $dz) (i32.shl (local.get $i) (i32.const 2))) (local.get $vs))
        (if (local.get $db64)
          (then
            (f64.store (i32.add (local.get $db) (i32.shl (local.get $j) (i32.const 3)))
              (f64.add (f64.load (i32.add (local.get $db) (i32.shl (local.get $j) (i32.const 3)))) (f64.promote_f32 (local.get $vs)))))
          (else
            (f32.store (i32.add (local.get $db) (i32.shl (local.get $j) (i32.const 2)))
              (f32.add (f32.load (i32.add (local.get $db) (i32.shl (local.get $j) (i32.const 2)))) (local.get $vs)))))
        (local.set $j (i32.add (local.get $j) (i32.const 1)))
        (br $tailLoop)))
      (local.set $r (i32.add (local.get $r) (i32.const 1)))
      (br $rowLoop))))

  ;; The gated sum of a mixture of experts: out[r, u] = Σₑ f32(expert_e[r, u] · gate[r, e]), summed over e in order,
  ;; each partial sum rounded (as a Multiply per expert and an AddN). Experts lie one after another at $experts.
  (func (export "gateMix")
    (param $gate i32) (param $experts i32) (param $count i32) (param $out i32) (param $rows i32) (param $units i32)
    (local $e i32) (local $r i32) (local $u i32) (local $i i32) (local $w f32) (local $base i32) (local $term v128)
    (local $ts f32)
    (local.set $e (i32.const 0))
    (block $expertsDone (loop $expertLoop
      (br_if $expertsDone (i32.ge_u (local.get $e) (local.get $count)))
      (local.set $base (i32.add (local.get $experts) (i32.shl (i32.mul (local.get $e) (i32.mul (local.get $rows) (local.get $units))) (i32.const 2))))
      (local.set $r (i32.const 0))
      (block $rowsDone (loop $rowLoop
        (br_if $rowsDone (i32.ge_u (local.get $r) (local.get $rows)))
        (local.set $w (f32.load (i32.add (local.get $gate) (i32.shl (i32.add (i32.mul (local.get $r) (local.get $count)) (local.get $e)) (i32.const 2)))))
        (local.set $u (i32.const 0))
        (block $vecDone (loop $vecLoop
          (br_if $vecDone (i32.gt_u (i32.add (local.get $u) (i32.const 4)) (local.get $units)))
          (local.set $i (i32.shl (i32.add (i32.mul (local.get $r) (local.get $units)) (local.get $u)) (i32.const 2)))
          (local.set $term (f32x4.mul (v128.load (i32.add (local.get $base) (local.get $i))) (f32x4.splat (local.get $w))))
          (if (local.get $e)
            (then (local.set $term (f32x4.add (v128.load (i32.add (local.get $out) (local.get $i))) (local.get $term)))))
          (v128.store (i32.add (local.get $out) (local.get $i)) (local.get $term))
          (local.set $u (i32.add (local.get $u) (i32.const 4)))
          (br $vecLoop)))
        (block $tailDone (loop $tailLoop
          (br_if $tailDone (i32.ge_u (local.get $u) (local.get $units)))
          (local.set $i (i32.shl (i32.add (i32.mul (local.get $r) (local.get $units)) (local.get $u)) (i32.const 2)))
          (local.set $ts (f32.mul (f32.load (i32.add (local.get $base) (local.get $i))) (local.get $w)))
          (if (local.get $e)
            (then (local.set $ts (f32.add (f32.load (i32.add (local.get $out) (local.get $i))) (local.get $ts)))))
          (f32.store (i32.add (local.get $out) (local.get $i)) (local.get $ts))
          (local.set $u (i32.add (local.get $u) (i32.const 1)))
          (br $tailLoop)))
        (local.set $r (i32.add (local.get $r) (i32.const 1)))
        (br $rowLoop)))
      (local.set $e (i32.add (local.get $e) (i32.const 1)))
      (br $expertLoop))))

  ;; The gated sum's backward pass for expert $e: dx[r, u] = dy[r, u] · gate[r, e], and the gate's gradient
  ;; dGate[r, e] = Σᵤ f32(dy · expert) over units in order, in float32, or in float64 when $sum64 (rounded at the end).
  (func (export "gateBackward")
    (param $dy i32) (param $gate i32) (param $expert i32) (param $count i32) (param $e i32)
    (param $dx i32) (param $dGate i32) (param $sum64 i32) (param $rows i32) (param $units i32)
    (local $r i32) (local $u i32) (local $i i32) (local $w f32) (local $sum f32) (local $sum2 f64) (local $at i32)
    (local.set $r (i32.const 0))
    (block $rowsDone (loop $rowLoop
      (br_if $rowsDone (i32.ge_u (local.get $r) (local.get $rows)))
      (local.set $at (i32.shl (i32.add (i32.mul (local.get $r) (local.get $count)) (local.get $e)) (i32.const 2)))
      (local.set $w (f32.load (i32.add (local.get $gate) (local.get $at))))
      (local.set $u (i32.const 0))
      (block $vecDone (loop $vecLoop
        (br_if $vecDone (i32.gt_u (i32.add (local.get $u) (i32.const 4)) (local.get $units)))
        (local.set $i (i32.shl (i32.add (i32.mul (local.get $r) (local.get $units)) (local.get $u)) (i32.const 2)))
        (v128.store (i32.add (local.get $dx) (local.get $i))
          (f32x4.mul (v128.load (i32.add (local.get $dy) (local.get $i))) (f32x4.splat (local.get $w))))
        (local.set $u (i32.add (local.get $u) (i32.const 4)))
        (br $vecLoop)))
      (block $tailDone (loop $tailLoop
        (br_if $tailDone (i32.ge_u (local.get $u) (local.get $units)))
        (local.set $i (i32.shl (i32.add (i32.mul (local.get $r) (local.get $units)) (local.get $u)) (i32.const 2)))
        (f32.store (i32.add (local.get $dx) (local.get $i)) (f32.mul (f32.load (i32.add (local.get $dy) (local.get $i))) (local.get $w)))
        (local.set $u (i32.add (local.get $u) (i32.const 1)))
        (br $tailLoop)))
      (local.set $sum (f32.const 0))
      (local.set $sum2 (f64.const 0))
      (local.set $u (i32.const 0))
      (block $sumDone (loop $sumLoop
        (br_if $sumDone (i32.ge_u (local.get $u) (local.get $units)))
        (local.set $i (i32.shl (i32.add (i32.mul (local.get $r) (local.get $units)) (local.get $u)) (i32.const 2)))
        (if (local.get $sum64)
          (then
            (local.set $sum2 (f64.add (local.get $sum2) (f64.promote_f32
              (f32.mul (f32.load (i32.add (local.get $dy) (local.get $i))) (f32.load (i32.add (local.get $expert) (local.get $i))))))))
          (else
            (local.set $sum (f32.add (local.get $sum)
              (f32.mul (f32.load (i32.add (local.get $dy) (local.get $i))) (f32.load (i32.add (local.get $expert) (local.get $i))))))))
        (local.set $u (i32.add (local.get $u) (i32.const 1)))
        (br $sumLoop)))
      (f32.store (i32.add (local.get $dGate) (local.get $at))
        (select (f32.demote_f64 (local.get $sum2)) (local.get $sum) (local.get $sum64)))
      (local.set $r (i32.add (local.get $r) (i32.const 1)))
      (br $rowLoop))))

  ;; One variable's AdamW update in place (theta, m, v), every operation rounded to float32 in tf.train.adam's order:
  ;; g' = g + f32(l2Factor · θ) (when l2Factor ≠ 0), m = f32(m·b1) + f32(g'·c1), v = f32(v·b2) + f32(f32(g'²)·c2),
  ;; step = f32(m / correction1) / (√f32(v / correction2) + ε), θ = f32(step · −lr) + θ·shrink (θ when shrink is 1).
  ;; Returns Σθ² (float64, in order) of the values before the update when $decaying, else 0.
  (func (export "adamUpdate")
    (param $theta i32) (param $g i32) (param $m i32) (param $v i32) (param $n i32)
    (param $b1 f32) (param $b2 f32) (param $c1 f32) (param $c2 f32) (param $correction1 f32) (param $correction2 f32)
    (param $epsilon f32) (param $negativeRate f32) (param $shrink f32) (param $l2Factor f32) (param $decaying i32)
    (result f64)
    (local $j i32) (local $at i32) (local $th v128) (local $gv v128) (local $mv v128) (local $vv v128) (local $step v128)
    (local $squares f64) (local $ths f32) (local $gs f32) (local $ms f32) (local $vs f32)
    (local.set $squares (f64.const 0))
    (local.set $j (i32.const 0))
    (block $vecDone (loop $vecLoop
      (br_if $vecDone (i32.gt_u (i32.add (local.get $j) (i32.const 4)) (local.get $n)))
      (local.set $at (i32.shl (local.get $j) (i32.const 2)))
      (local.set $th (v128.load (i32.add (local.get $theta) (local.get $at))))
      (if (local.get $decaying)
        (then
          (local.set $squares (f64.add (local.get $squares) (f64.mul (f64.promote_f32 (f32x4.extract_lane 0 (local.get $th))) (f64.promote_f32 (f32x4.extract_lane 0 (local.get $th))))))
          (local.set $squares (f64.add (local.get $squares) (f64.mul (f64.promote_f32 (f32x4.extract_lane 1 (local.get $th))) (f64.promote_f32 (f32x4.extract_lane 1 (local.get $th))))))
          (local.set $squares (f64.add (local.get $squares) (f64.mul (f64.promote_f32 (f32x4.extract_lane 2 (local.get $th))) (f64.promote_f32 (f32x4.extract_lane 2 (local.get $th))))))
          (local.set $squares (f64.add (local.get $squares) (f64.mul (f64.promote_f32 (f32x4.extract_lane 3 (local.get $th))) (f64.promote_f32 (f32x4.extract_lane 3 (local.get $th))))))))
      (local.set $gv (v128.load (i32.add (local.get $g) (local.get $at))))
      (if (f32.ne (local.get $l2Factor) (f32.const 0))
        (then (local.set $gv (f32x4.add (local.get $gv) (f32x4.mul (f32x4.splat (local.get $l2Factor)) (local.get $th))))))
      (local.set $mv (f32x4.add
        (f32x4.mul (v128.load (i32.add (local.get $m) (local.get $at))) (f32x4.splat (local.get $b1)))
        (f32x4.mul (local.get $gv) (f32x4.splat (local.get $c1)))))
      (local.set $vv (f32x4.add
        (f32x4.mul (v128.load (i32.add (local.get $v) (local.get $at))) (f32x4.splat (local.get $b2)))
        (f32x4.mul (f32x4.mul (local.get $gv) (local.get $gv)) (f32x4.splat (local.get $c2)))))
      (v128.store (i32.add (local.get $m) (local.get $at)) (local.get $mv))
      (v128.store (i32.add (local.get $v) (local.get $at)) (local.get $vv))
      (local.set $step (f32x4.div
        (f32x4.div (local.get $mv) (f32x4.splat (local.get $correction1)))
        (f32x4.add (f32x4.sqrt (f32x4.div (local.get $vv) (f32x4.splat (local.get $correction2)))) (f32x4.splat (local.get $epsilon)))))
      (if (f32.ne (local.get $shrink) (f32.const 1))
        (then (local.set $th (f32x4.mul (local.get $th) (f32x4.splat (local.get $shrink))))))
      (v128.store (i32.add (local.get $theta) (local.get $at))
        (f32x4.add (f32x4.mul (local.get $step) (f32x4.splat (local.get $negativeRate))) (local.get $th)))
      (local.set $j (i32.add (local.get $j) (i32.const 4)))
      (br $vecLoop)))
    (block $tailDone (loop $tailLoop
      (br_if $tailDone (i32.ge_u (local.get $j) (local.get $n)))
      (local.set $at (i32.shl (local.get $j) (i32.const 2)))
      (local.set $ths (f32.load (i32.add (local.get $theta) (local.get $at))))
      (if (local.get $decaying)
        (then (local.set $squares (f64.add (local.get $squares) (f64.mul (f64.promote_f32 (local.get $ths)) (f64.promote_f32 (local.get $ths)))))))
      (local.set $gs (f32.load (i32.add (local.get $g) (local.get $at))))
      (if (f32.ne (local.get $l2Factor) (f32.const 0))
        (then (local.set $gs (f32.add (local.get $gs) (f32.mul (local.get $l2Factor) (local.get $ths))))))
      (local.set $ms (f32.add (f32.mul (f32.load (i32.add (local.get $m) (local.get $at))) (local.get $b1)) (f32.mul (local.get $gs) (local.get $c1))))
      (local.set $vs (f32.add (f32.mul (f32.load (i32.add (local.get $v) (local.get $at))) (local.get $b2)) (f32.mul (f32.mul (local.get $gs) (local.get $gs)) (local.get $c2))))
      (f32.store (i32.add (local.get $m) (local.get $at)) (local.get $ms))
      (f32.store (i32.add (local.get $v) (local.get $at)) (local.get $vs))
      (if (f32.ne (local.get $shrink) (f32.const 1))
        (then (local.set $ths (f32.mul (local.get $ths) (local.get $shrink)))))
      (f32.store (i32.add (local.get $theta) (local.get $at))
        (f32.add
          (f32.mul
            (f32.div (f32.div (local.get $ms) (local.get $correction1))
              (f32.add (f32.sqrt (f32.div (local.get $vs) (local.get $correction2))) (local.get $epsilon)))
            (local.get $negativeRate))
          (local.get $ths)))
      (local.set $j (i32.add (local.get $j) (i32.const 1)))
      (br $tailLoop)))
    (local.get $squares))

  ;; Layer normalisation of each row over its units, then γ·n + β, relu (when $relu), and times keep (0/1 bytes) and
  ;; 1/keepProbability (when $masked): RowLayerNormalization → relu → dropout, in float32 with four-lane partial sums
  ;; for the row statistics. Keeps n (at $normalised) and 1/√(σ² + ε) per row (at $scales) for layerNormBackward.
  (func (export "layerNormForward")
    (param $x i32) (param $gamma i32) (param $beta i32) (param $epsilon f32) (param $relu i32)
    (param $keep i32) (param $inverseKeep f32) (param $masked i32)
    (param $out i32) (param $normalised i32) (param $scales i32) (param $rows i32) (param $units i32)
    (local $r i32) (local $j i32) (local $at i32) (local $row i32) (local $acc v128) (local $v v128) (local $y v128)
    (local $mean f32) (local $sum f32) (local $scale f32) (local $s f32) (local $ys f32) (local $vec i32)
    (local.set $vec (i32.and (local.get $units) (i32.const -4)))
    (local.set $r (i32.const 0))
    (block $rowsDone (loop $rowLoop
      (br_if $rowsDone (i32.ge_u (local.get $r) (local.get $rows)))
      (local.set $row (i32.mul (local.get $r) (local.get $units)))
      ;; the mean
      (local.set $acc (f32x4.splat (f32.const 0)))
      (local.set $j (i32.const 0))
      (block $d1 (loop $l1
        (br_if $d1 (i32.ge_u (local.get $j) (local.get $vec)))
        (local.set $acc (f32x4.add (local.get $acc) (v128.load (i32.add (local.get $x) (i32.shl (i32.add (local.get $row) (local.get $j)) (i32.const 2))))))
        (local.set $j (i32.add (local.get $j) (i32.const 4)))
        (br $l1)))
      (local.set $sum (f32.add (f32.add (f32x4.extract_lane 0 (local.get $acc)) (f32x4.extract_lane 1 (local.get $acc)))
                               (f32.add (f32x4.extract_lane 2 (local.get $acc)) (f32x4.extract_lane 3 (local.get $acc)))))
      (block $d2 (loop $l2
        (br_if $d2 (i32.ge_u (local.get $j) (local.get $units)))
        (local.set $sum (f32.add (local.get $sum) (f32.load (i32.add (local.get $x) (i32.shl (i32.add (local.get $row) (local.get $j)) (i32.const 2))))))
        (local.set $j (i32.add (local.get $j) (i32.const 1)))
        (br $l2)))
      (local.set $mean (f32.div (local.get $sum) (f32.convert_i32_u (local.get $units))))
      ;; the variance and the row's scale
      (local.set $acc (f32x4.splat (f32.const 0)))
      (local.set $j (i32.const 0))
      (block $d3 (loop $l3
        (br_if $d3 (i32.ge_u (local.get $j) (local.get $vec)))
        (local.set $v (f32x4.sub (v128.load (i32.add (local.get $x) (i32.shl (i32.add (local.get $row) (local.get $j)) (i32.const 2)))) (f32x4.splat (local.get $mean))))
        (local.set $acc (f32x4.add (local.get $acc) (f32x4.mul (local.get $v) (local.get $v))))
        (local.set $j (i32.add (local.get $j) (i32.const 4)))
        (br $l3)))
      (local.set $sum (f32.add (f32.add (f32x4.extract_lane 0 (local.get $acc)) (f32x4.extract_lane 1 (local.get $acc)))
                               (f32.add (f32x4.extract_lane 2 (local.get $acc)) (f32x4.extract_lane 3 (local.get $acc)))))
      (block $d4 (loop $l4
        (br_if $d4 (i32.ge_u (local.get $j) (local.get $units)))
        (local.set $s (f32.sub (f32.load (i32.add (local.get $x) (i32.shl (i32.add (local.get $row) (local.get $j)) (i32.const 2)))) (local.get $mean)))
        (local.set $sum (f32.add (local.get $sum) (f32.mul (local.get $s) (local.get $s))))
        (local.set $j (i32.add (local.get $j) (i32.const 1)))
        (br $l4)))
      (local.set $scale (f32.div (f32.const 1)
        (f32.sqrt (f32.add (f32.div (local.get $sum) (f32.convert_i32_u (local.get $units))) (local.get $epsilon)))))
      (f32.store (i32.add (local.get $scales) (i32.shl (local.get $r) (i32.const 2))) (local.get $scale))
      ;; n, the affine map, relu and mask
      (local.set $j (i32.const 0))
      (block $d5 (loop $l5
        (br_if $d5 (i32.ge_u (local.get $j) (local.get $vec)))
        (local.set $at (i32.shl (i32.add (local.get $row) (local.get $j)) (i32.const 2)))
        (local.set $v (f32x4.mul (f32x4.sub (v128.load (i32.add (local.get $x) (local.get $at))) (f32x4.splat (local.get $mean))) (f32x4.splat (local.get $scale))))
        (v128.store (i32.add (local.get $normalised) (local.get $at)) (local.get $v))
        (local.set $y (f32x4.add (f32x4.mul (local.get $v) (v128.load (i32.add (local.get $gamma) (i32.shl (local.get $j) (i32.const 2)))))
          (v128.load (i32.add (local.get $beta) (i32.shl (local.get $j) (i32.const 2))))))
        (if (local.get $relu)
          (then (local.set $y (f32x4.mul (f32x4.add (local.get $y) (f32x4.abs (local.get $y))) (f32x4.splat (f32.const 0.5))))))
        (if (local.get $masked)
          (then
            (local.set $y (f32x4.mul (f32x4.mul (local.get $y)
              (f32x4.convert_i32x4_u (i32x4.extend_low_i16x8_u (i16x8.extend_low_i8x16_u
                (v128.load32_zero (i32.add (local.get $keep) (i32.add (local.get $row) (local.get $j))))))))
              (f32x4.splat (local.get $inverseKeep))))))
        (v128.store (i32.add (local.get $out) (local.get $at)) (local.get $y))
        (local.set $j (i32.add (local.get $j) (i32.const 4)))
        (br $l5)))
      (block $d6 (loop $l6
        (br_if $d6 (i32.ge_u (local.get $j) (local.get $units)))
        (local.set $at (i32.shl (i32.add (local.get $row) (local.get $j)) (i32.const 2)))
        (local.set $s (f32.mul (f32.sub (f32.load (i32.add (local.get $x) (local.get $at))) (local.get $mean)) (local.get $scale)))
        (f32.store (i32.add (local.get $normalised) (local.get $at)) (local.get $s))
        (local.set $ys (f32.add (f32.mul (local.get $s) (f32.load (i32.add (local.get $gamma) (i32.shl (local.get $j) (i32.const 2)))))
          (f32.load (i32.add (local.get $beta) (i32.shl (local.get $j) (i32.const 2))))))
        (if (local.get $relu)
          (then (local.set $ys (f32.mul (f32.add (local.get $ys) (f32.abs (local.get $ys))) (f32.const 0.5)))))
        (if (local.get $masked)
          (then (local.set $ys (f32.mul (f32.mul (local.get $ys)
            (f32.convert_i32_u (i32.load8_u (i32.add (local.get $keep) (i32.add (local.get $row) (local.get $j)))))) (local.get $inverseKeep)))))
        (f32.store (i32.add (local.get $out) (local.get $at)) (local.get $ys))
        (local.set $j (i32.add (local.get $j) (i32.const 1)))
        (br $l6)))
      (local.set $r (i32.add (local.get $r) (i32.const 1)))
      (br $rowLoop))))

  ;; The gradients of layerNormForward: d = dOut · inverseKeep, zero where the output is zero when $gated (relu or
  ;; mask); dγ += d·n and dβ += d over rows (float32, at $dGamma and $dBeta); dx = s · (dn − mean(dn) − n · mean(dn·n))
  ;; per row with dn = d·γ (kept at $dn, `units` floats).
  (func (export "layerNormBackward")
    (param $dOut i32) (param $out i32) (param $normalised i32) (param $scales i32) (param $gamma i32) (param $gated i32)
    (param $inverseKeep f32) (param $dx i32) (param $dGamma i32) (param $dBeta i32) (param $dn i32) (param $rows i32) (param $units i32)
    (local $r i32) (local $j i32) (local $at i32) (local $row i32) (local $d v128) (local $n v128) (local $v v128)
    (local $sumDn v128) (local $sumDnN v128) (local $meanDn f32) (local $meanDnN f32) (local $scale f32)
    (local $ds f32) (local $ns f32) (local $vs f32) (local $tailDn f32) (local $tailDnN f32) (local $vec i32) (local $wat i32)
    (local.set $vec (i32.and (local.get $units) (i32.const -4)))
    (local.set $r (i32.const 0))
    (block $rowsDone (loop $rowLoop
      (br_if $rowsDone (i32.ge_u (local.get $r) (local.get $rows)))
      (local.set $row (i32.mul (local.get $r) (local.get $units)))
      (local.set $sumDn (f32x4.splat (f32.const 0)))
      (local.set $sumDnN (f32x4.splat (f32.const 0)))
      (local.set $j (i32.const 0))
      (block $d1 (loop $l1
        (br_if $d1 (i32.ge_u (local.get $j) (local.get $vec)))
        (local.set $at (i32.shl (i32.add (local.get $row) (local.get $j)) (i32.const 2)))
        (local.set $wat (i32.shl (local.get $j) (i32.const 2)))
        (local.set $d (f32x4.mul (v128.load (i32.add (local.get $dOut) (local.get $at))) (f32x4.splat (local.get $inverseKeep))))
        (if (local.get $gated)
          (then (local.set $d (f32x4.mul (local.get $d)
            (v128.and (f32x4.ne (v128.load (i32.add (local.get $out) (local.get $at))) (f32x4.splat (f32.const 0))) (f32x4.splat (f32.const 1)))))))
        (local.set $n (v128.load (i32.add (local.get $normalised) (local.get $at))))
        (v128.store (i32.add (local.get $dGamma) (local.get $wat)) (f32x4.add (v128.load (i32.add (local.get $dGamma) (local.get $wat))) (f32x4.mul (local.get $d) (local.get $n))))
        (v128.store (i32.add (local.get $dBeta) (local.get $wat)) (f32x4.add (v128.load (i32.add (local.get $dBeta) (local.get $wat))) (local.get $d)))
        (local.set $v (f32x4.mul (local.get $d) (v128.load (i32.add (local.get $gamma) (local.get $wat)))))
        (v128.store (i32.add (local.get $dn) (local.get $wat)) (local.get $v))
        (local.set $sumDn (f32x4.add (local.get $sumDn) (local.get $v)))
        (local.set $sumDnN (f32x4.add (local.get $sumDnN) (f32x4.mul (local.get $v) (local.get $n))))
        (local.set $j (i32.add (local.get $j) (i32.const 4)))
        (br $l1)))
      (local.set $tailDn (f32.const 0))
      (local.set $tailDnN (f32.const 0))
      (block $d2 (loop $l2
        (br_if $d2 (i32.ge_u (local.get $j) (local.get $units)))
        (local.set $at (i32.shl (i32.add (local.get $row) (local.get $j)) (i32.const 2)))
        (local.set $wat (i32.shl (local.get $j) (i32.const 2)))
        (local.set $ds (f32.mul (f32.load (i32.add (local.get $dOut) (local.get $at))) (local.get $inverseKeep)))
        (if (i32.and (local.get $gated) (f32.eq (f32.load (i32.add (local.get $out) (local.get $at))) (f32.const 0)))
          (then (local.set $ds (f32.mul (local.get $ds) (f32.const 0)))))
        (local.set $ns (f32.load (i32.add (local.get $normalised) (local.get $at))))
        (f32.store (i32.add (local.get $dGamma) (local.get $wat)) (f32.add (f32.load (i32.add (local.get $dGamma) (local.get $wat))) (f32.mul (local.get $ds) (local.get $ns))))
        (f32.store (i32.add (local.get $dBeta) (local.get $wat)) (f32.add (f32.load (i32.add (local.get $dBeta) (local.get $wat))) (local.get $ds)))
        (local.set $vs (f32.mul (local.get $ds) (f32.load (i32.add (local.get $gamma) (local.get $wat)))))
        (f32.store (i32.add (local.get $dn) (local.get $wat)) (local.get $vs))
        (local.set $tailDn (f32.add (local.get $tailDn) (local.get $vs)))
        (local.set $tailDnN (f32.add (local.get $tailDnN) (f32.mul (local.get $vs) (local.get $ns))))
        (local.set $j (i32.add (local.get $j) (i32.const 1)))
        (br $l2)))
      (local.set $meanDn (f32.div
        (f32.add (local.get $tailDn) (f32.add (f32.add (f32x4.extract_lane 0 (local.get $sumDn)) (f32x4.extract_lane 1 (local.get $sumDn)))
                                              (f32.add (f32x4.extract_lane 2 (local.get $sumDn)) (f32x4.extract_lane 3 (local.get $sumDn)))))
        (f32.convert_i32_u (local.get $units))))
      (local.set $meanDnN (f32.div
        (f32.add (local.get $tailDnN) (f32.add (f32.add (f32x4.extract_lane 0 (local.get $sumDnN)) (f32x4.extract_lane 1 (local.get $sumDnN)))
                                               (f32.add (f32x4.extract_lane 2 (local.get $sumDnN)) (f32x4.extract_lane 3 (local.get $sumDnN)))))
        (f32.convert_i32_u (local.get $units))))
      (local.set $scale (f32.load (i32.add (local.get $scales) (i32.shl (local.get $r) (i32.const 2)))))
      (local.set $j (i32.const 0))
      (block $d3 (loop $l3
        (br_if $d3 (i32.ge_u (local.get $j) (local.get $vec)))
        (local.set $at (i32.shl (i32.add (local.get $row) (local.get $j)) (i32.const 2)))
        (v128.store (i32.add (local.get $dx) (local.get $at))
          (f32x4.mul (f32x4.splat (local.get $scale))
            (f32x4.sub (f32x4.sub (v128.load (i32.add (local.get $dn) (i32.shl (local.get $j) (i32.const 2)))) (f32x4.splat (local.get $meanDn)))
              (f32x4.mul (v128.load (i32.add (local.get $normalised) (local.get $at))) (f32x4.splat (local.get $meanDnN))))))
        (local.set $j (i32.add (local.get $j) (i32.const 4)))
        (br $l3)))
      (block $d4 (loop $l4
        (br_if $d4 (i32.ge_u (local.get $j) (local.get $units)))
        (local.set $at (i32.shl (i32.add (local.get $row) (local.get $j)) (i32.const 2)))
        (f32.store (i32.add (local.get $dx) (local.get $at))
          (f32.mul (local.get $scale)
            (f32.sub (f32.sub (f32.load (i32.add (local.get $dn) (i32.shl (local.get $j) (i32.const 2)))) (local.get $meanDn))
              (f32.mul (f32.load (i32.add (local.get $normalised) (local.get $at))) (local.get $meanDnN)))))
        (local.set $j (i32.add (local.get $j) (i32.const 1)))
        (br $l4)))
      (local.set $r (i32.add (local.get $r) (i32.const 1)))
      (br $rowLoop))))
)
