"""The one array type of the package: a numpy array of float64."""

import numpy as np
from numpy.typing import NDArray

Array = NDArray[np.float64]
