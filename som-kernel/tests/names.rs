//! Every setting's names ([`Named`]): each value's name reads back as the value and is what
//! `Display` writes, other spellings read as their value, and anything else is an error that
//! lists the names.

use som_kernel::simd::Level;
use som_kernel::{Boundary, Clock, Distance, Error, Missing, Named, Shape, Topology};

fn check<T: Named + PartialEq + core::fmt::Debug>(all: &[T]) {
    assert_eq!(all.len(), T::NAMES.len(), "{}", T::WHAT);
    for (&value, &name) in all.iter().zip(T::NAMES) {
        assert_eq!(value.to_string(), name);
        assert_eq!(name.parse::<T>(), Ok(value));
    }
    for &(alias, name) in T::ALIASES {
        assert!(T::NAMES.contains(&name), "{alias} stands for {name}");
        assert_eq!(alias.parse::<T>(), name.parse::<T>());
    }
    let e = "no-such-name".parse::<T>().unwrap_err();
    assert_eq!(
        e,
        Error::Name {
            what: T::WHAT,
            expected: T::NAMES
        }
    );
    assert_eq!(
        e.to_string(),
        format!(
            "not a {} name, expected one of {}",
            T::WHAT,
            T::NAMES.join(", ")
        )
    );
}

#[test]
fn every_setting_reads_its_names_back() {
    check(&Topology::ALL);
    check(&Boundary::ALL);
    check(&Shape::ALL);
    check(&Distance::ALL);
    check(&Missing::ALL);
    check(&Clock::ALL);
    check(&Level::ALL);
}

#[test]
fn the_names_users_type() {
    assert_eq!(Shape::MexicanHat.to_string(), "mexican-hat");
    assert_eq!(Topology::NAMES, ["rect", "hex"]);
    assert_eq!(
        Topology::from_name("rectangular"),
        Some(Topology::Rectangular)
    );
    assert_eq!(Topology::Hexagonal.full_name(), "hexagonal");
    assert_eq!(
        Topology::from_name(Topology::Hexagonal.full_name()),
        Some(Topology::Hexagonal)
    );
    assert_eq!(Level::from_name("avx512-split"), Some(Level::Avx512Split));
    assert_eq!("Gaussian".parse::<Shape>().ok(), None, "names are exact");
}
