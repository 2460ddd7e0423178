// Runs tf.train.adadelta (TensorFlow.js, cpu backend, float32) on the cases given as JSON on standard input and
// prints, as JSON: first the optimizer's defaults, then per case the arguments and every step's x, E[g²], E[Δx²].
// Called by scripts/make_golden_frameworks.py tfjs (NODE_PATH pointing at a node_modules with tfjs-core and
// tfjs-backend-cpu).
import { createRequire } from "node:module";
import { readFileSync } from "node:fs";
import path from "node:path";

const require = createRequire(path.join(process.env.NODE_PATH, "x.js"));
const tf = require("@tensorflow/tfjs-core");
require("@tensorflow/tfjs-backend-cpu");

await tf.setBackend("cpu");
const cases = JSON.parse(readFileSync(0, "utf8"));
const probe = tf.train.adadelta();
const out = [{ defaults: { lr: probe.learningRate, rho: probe.rho, eps: probe.epsilon,
                           backend_eps: tf.backend().epsilon(), version: tf.version_core } }];
for (const [i, c] of cases.entries()) {
  const args = {};
  if (c.lr !== undefined) args.learningRate = c.lr;
  if (c.rho !== undefined) args.rho = c.rho;
  if (c.eps !== undefined) args.epsilon = c.eps;
  const opt = tf.train.adadelta(args.learningRate ?? 0.001, args.rho ?? 0.95, args.epsilon ?? null);
  const w = tf.variable(tf.tensor1d(c.x0, "float32"), true, `w${i}`);
  const steps = { x: [], eg2: [], edx2: [] };
  const widen = (a) => Array.from(a, (v) => (Number.isFinite(v) ? v : String(v)));
  for (const g of c.grads) {
    opt.applyGradients({ [`w${i}`]: tf.tensor1d(g, "float32") });
    steps.x.push(widen(w.dataSync()));
    steps.eg2.push(widen(opt.accumulatedGrads[0].variable.dataSync()));
    steps.edx2.push(widen(opt.accumulatedUpdates[0].variable.dataSync()));
  }
  out.push({ args, steps });
}
process.stdout.write("\n" + JSON.stringify(out) + "\n");  // the last line (tfjs may print a banner)
