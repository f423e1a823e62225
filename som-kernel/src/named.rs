//! The names of settings: one spelling of each value, which the command line takes, saved
//! maps write and messages show (`mexican-hat`, never the Rust name `MexicanHat`).
//!
//! [`named!`](crate::named!) writes a setting's names from one table: its `ALL`, `name`,
//! `from_name`, [`Display`](core::fmt::Display), [`FromStr`](core::str::FromStr) and
//! [`Named`], so that the spellings cannot drift apart. [`Named`] lets generic code (a
//! command-line parser, a file format) take any setting.

/// A setting chosen by name, written by [`named!`](crate::named!).
pub trait Named:
    Copy + core::fmt::Display + core::str::FromStr<Err = crate::Error> + 'static
{
    /// What the setting is, for messages: `topology`, `neighbourhood`.
    const WHAT: &'static str;
    /// Each value's name, in declaration order: what `Display` writes.
    const NAMES: &'static [&'static str];
    /// Other spellings read as a value, each with the name it stands for: `("rectangular",
    /// "rect")`. Most settings have none.
    const ALIASES: &'static [(&'static str, &'static str)];
}

/// Writes a setting's names from one table: each variant, its name, and other spellings read
/// as it (`Rectangular => "rect" | "rectangular"`). It gives the enum:
///
/// - `ALL`, every value in declaration order;
/// - `name()`, the value's name;
/// - `from_name()`, the value of a name or other spelling, or `None`;
/// - `Display` (the name) and `FromStr` ([`Error::Name`](crate::Error::Name) for any other
///   text), without allocating or panicking;
/// - [`Named`].
///
/// # Example
/// ```
/// use som_kernel::{Named, Topology};
/// assert_eq!(Topology::Hexagonal.to_string(), "hex");
/// assert_eq!("hexagonal".parse::<Topology>()?, Topology::Hexagonal);
/// assert_eq!(Topology::NAMES, ["rect", "hex"]);
/// assert!("hexa".parse::<Topology>().is_err());
/// # Ok::<(), som_kernel::Error>(())
/// ```
#[macro_export]
macro_rules! named {
    ($what:literal, $ty:ident { $($variant:ident => $name:literal $(| $alias:literal)*,)+ }) => {
        impl $ty {
            /// Every value, in declaration order.
            pub const ALL: [$ty; [$($name),+].len()] = [$($ty::$variant),+];

            /// Its name: what the command line takes, saved maps write and messages show.
            pub const fn name(self) -> &'static str {
                match self {
                    $($ty::$variant => $name,)+
                }
            }

            /// The value of a name (see `name`), or of another spelling read as it.
            pub fn from_name(name: &str) -> ::core::option::Option<$ty> {
                match name {
                    $($name $(| $alias)* => ::core::option::Option::Some($ty::$variant),)+
                    _ => ::core::option::Option::None,
                }
            }
        }

        impl $crate::Named for $ty {
            const WHAT: &'static str = $what;
            const NAMES: &'static [&'static str] = &[$($name),+];
            const ALIASES: &'static [(&'static str, &'static str)] = &[$($(($alias, $name),)*)+];
        }

        impl ::core::fmt::Display for $ty {
            fn fmt(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
                f.write_str(self.name())
            }
        }

        impl ::core::str::FromStr for $ty {
            type Err = $crate::Error;

            fn from_str(name: &str) -> ::core::result::Result<$ty, $crate::Error> {
                $ty::from_name(name).ok_or($crate::Error::Name {
                    what: $what,
                    expected: <$ty as $crate::Named>::NAMES,
                })
            }
        }
    };
}
