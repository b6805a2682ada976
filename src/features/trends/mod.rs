pub mod chart;
pub mod model;
