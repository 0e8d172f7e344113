"""Robust statistics for the plausibility checks (numpy, no Odoo)."""

import numpy as np

#: 1 / Phi^-1(3/4): makes the MAD a consistent estimator of the standard deviation
MAD_SCALE = 1.482602218505602


def robust_z_scores(values, min_relative_scale=0.0):
    """Robust z-score of each value: ``(x - median) / (1.4826 * MAD)``.

    The median and the median absolute deviation (MAD) are not dragged by the outliers
    they are meant to find, unlike the mean and the standard deviation. When the MAD is
    0 (more than half of the values are equal), the mean absolute deviation scaled by
    1.2533 (sqrt(pi/2)) is used instead, as Iglewicz and Hoaglin suggest; when that is 0
    too, every value equals the median and all scores are 0.

    With ``min_relative_scale``, the scale is at least that share of ``|median|``: a
    spread smaller than that is noise (rounding, one price year against another), and
    a value just off a tight cluster is not an outlier.

    :param values: sequence of numbers
    :param min_relative_scale: smallest scale, as a share of ``|median|``
    :return: ``(scores, median, scale)`` with ``scores`` a list of floats
    """
    data = np.asarray(values, dtype=np.float64)
    if data.size == 0:
        return [], 0.0, 0.0
    median = float(np.median(data))
    deviations = np.abs(data - median)
    scale = MAD_SCALE * float(np.median(deviations))
    if scale == 0.0:
        scale = 1.2533141373155001 * float(np.mean(deviations))
    scale = max(scale, min_relative_scale * abs(median))
    if scale == 0.0:
        return [0.0] * int(data.size), median, 0.0
    scores = (data - median) / scale
    return [float(score) for score in scores], median, scale
