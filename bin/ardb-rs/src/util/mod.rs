//! Small self-contained helpers shared by several command families.

pub mod glob;
pub mod numbers;
pub mod random;
pub mod random_descent;
pub mod scan_cursors;
pub mod time;
