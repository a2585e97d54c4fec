"""The quality gate: checks on every generated image and on the composed PDF, the judge
step, the per-item report, and the calibration behind `pressroom bench --quality`. The
pipeline asks it "publish or review?". Qt-free; uses ai/, store/ and domain only."""
