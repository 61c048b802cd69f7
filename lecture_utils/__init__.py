"""Shared code of the book *Loss Landscapes of Overparameterized Networks*.

The modules follow the book's concepts:

* :mod:`lecture_utils.data` - inputs ``X`` of shape ``(d0, n)`` and labels ``y`` of shape ``(n,)``;
* :mod:`lecture_utils.networks` - the two-layer ReLU network and general fully connected networks;
* :mod:`lecture_utils.interpolation` - exact interpolation (Cooper's construction) and feature ranks;
* :mod:`lecture_utils.manifold` - the manifold of global minima: projection, tangent spaces, walks;
* :mod:`lecture_utils.hessians` - Hessians of the loss and their spectra;
* :mod:`lecture_utils.valleys` - sublevel sets, their components and spurious valleys on 2-D grids;
* :mod:`lecture_utils.intrinsic_dimension` - intrinsic dimension and the explicit descent path;
* :mod:`lecture_utils.random_features` - random-feature models and student-teacher training;
* :mod:`lecture_utils.regions` - activation patterns ``A`` of shape ``(d1, n)``, regions and their counts;
* :mod:`lecture_utils.zonotopes` - the zonotope of the data and the fan of one unit;
* :mod:`lecture_utils.jacobians` - Jacobians of the parameterisation map and their ranks;
* :mod:`lecture_utils.full_rank` - singular 0/1 matrices and the probability of a full-rank Jacobian;
* :mod:`lecture_utils.global_minima` - step vectors, Lemma 15, regions that contain global minima;
* :mod:`lecture_utils.function_space` - images of activation regions in function space (1-D data);
* :mod:`lecture_utils.deep_regions` - kinks of the loss, deep networks, volumes of regions;
* :mod:`lecture_utils.widgets` - interactive explorers;
* :mod:`lecture_utils.training` - the squared loss and gradient descent;
* :mod:`lecture_utils.training_regions` - where gradient descent ends: batched training and region reports;
* :mod:`lecture_utils.scale` - digits and networks of 10^4 - 10^5 parameters: Lanczos, the NTK Gram matrix;
* :mod:`lecture_utils.sweeps` - parallel, cached parameter sweeps; :mod:`lecture_utils.reproduce` - the paper's figures;
* :mod:`lecture_utils.checks` - feedback for the problem sets; :mod:`lecture_utils.assignments` - student versions;
* :mod:`lecture_utils.plotting` - the book's figure style and :func:`show`;
* :mod:`lecture_utils.tables` - printed tables of results.

The names used across chapters are re-exported here.
"""

from .data import (
    gaussian_inputs,
    quadratic_features,
    quadratic_labels,
    random_labels,
    sorted_distinct_inputs,
    teacher_labels,
    uniform_cube_inputs,
)
from .deep_regions import (
    anticoncentration_gamma,
    deep_relu_jacobian,
    full_rank_volume_fraction,
    is_local_minimum,
    one_sided_derivative,
    piece_minimum,
)
from .full_rank import (
    full_rank_grid,
    full_rank_probability,
    singular_probability_exact,
    singular_probability_mc,
)
from .function_space import in_region_image, polyline_points, relu_unit_regions
from .global_minima import (
    global_minimum_fraction,
    is_complete,
    is_diverse,
    lemma15_parameters,
    region_has_global_minimum,
    step_vectors,
)
from .hessians import (
    count_eigenvalue_signs,
    hessian_spectrum,
    loss_hessian,
    residual_curvature,
)
from .interpolation import (
    cooper_deep_interpolation,
    cooper_interpolation,
    polynomial_feature_dimension,
    random_feature_matrix,
)
from .intrinsic_dimension import (
    descent_path,
    empirical_intrinsic_dimension,
    polynomial_intrinsic_dimension,
)
from .jacobians import (
    jacobian_rank,
    parameter_jacobian,
    pattern_jacobian,
    relu_jacobian,
)
from .manifold import (
    flatten_params,
    gauss_newton_to_manifold,
    tangent_space,
    unflatten_params,
    walk_on_manifold,
)
from .networks import (
    alternating_signs,
    count_parameters,
    get_activation,
    init_mlp,
    init_two_layer,
    mlp,
    relu,
    smoolu,
    softplus,
    two_layer_relu,
)
from .plotting import PALETTE, figure_digest, plot_live_grid, show, use_book_style
from .regions import (
    activation_pattern,
    activation_patterns,
    cover_count,
    intersection_poset,
    preactivations,
    region_interior_point,
    zaslavsky_count,
)
from .tables import format_table, print_table
from .training import gradient_descent, squared_loss
from .training_regions import (
    batched_gradient_descent,
    final_region_report,
    gd_success_fraction,
    training_regions_cell,
)
from .valleys import (
    barrier_level,
    descent_reachable,
    loss_on_grid,
    spurious_valleys,
    sublevel_components,
)
from .widgets import relu_explorer, sweep_explorer
from .zonotopes import zonotope_vertices

__all__ = [
    "gaussian_inputs",
    "uniform_cube_inputs",
    "sorted_distinct_inputs",
    "quadratic_features",
    "quadratic_labels",
    "teacher_labels",
    "random_labels",
    "relu",
    "smoolu",
    "softplus",
    "get_activation",
    "alternating_signs",
    "init_two_layer",
    "two_layer_relu",
    "init_mlp",
    "mlp",
    "count_parameters",
    "activation_pattern",
    "preactivations",
    "cover_count",
    "activation_patterns",
    "region_interior_point",
    "intersection_poset",
    "zaslavsky_count",
    "zonotope_vertices",
    "relu_jacobian",
    "pattern_jacobian",
    "parameter_jacobian",
    "jacobian_rank",
    "squared_loss",
    "gradient_descent",
    "batched_gradient_descent",
    "gd_success_fraction",
    "training_regions_cell",
    "final_region_report",
    "cooper_interpolation",
    "cooper_deep_interpolation",
    "polynomial_feature_dimension",
    "random_feature_matrix",
    "flatten_params",
    "unflatten_params",
    "gauss_newton_to_manifold",
    "tangent_space",
    "walk_on_manifold",
    "loss_hessian",
    "residual_curvature",
    "hessian_spectrum",
    "count_eigenvalue_signs",
    "loss_on_grid",
    "sublevel_components",
    "spurious_valleys",
    "descent_reachable",
    "barrier_level",
    "polynomial_intrinsic_dimension",
    "empirical_intrinsic_dimension",
    "descent_path",
    "singular_probability_exact",
    "singular_probability_mc",
    "full_rank_probability",
    "full_rank_grid",
    "step_vectors",
    "is_diverse",
    "is_complete",
    "lemma15_parameters",
    "region_has_global_minimum",
    "global_minimum_fraction",
    "relu_unit_regions",
    "one_sided_derivative",
    "piece_minimum",
    "is_local_minimum",
    "deep_relu_jacobian",
    "full_rank_volume_fraction",
    "anticoncentration_gamma",
    "polyline_points",
    "in_region_image",
    "relu_explorer",
    "sweep_explorer",
    "PALETTE",
    "use_book_style",
    "format_table",
    "print_table",
    "figure_digest",
    "show",
    "plot_live_grid",
]
__version__ = "0.1.0"
