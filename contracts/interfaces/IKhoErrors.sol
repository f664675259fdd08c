// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/**
 * @title IKhoErrors
 * @author Kho
 * @notice Input-validation errors shared by the Kho registries, so every contract reports a bad string or a zero
 * address the same way.
 */
interface IKhoErrors {
    /// @notice `field` is shorter than `min` bytes (`length` given).
    error StringTooShort(string field, uint256 length, uint256 min);

    /// @notice `field` is longer than `max` bytes (`length` given).
    error StringTooLong(string field, uint256 length, uint256 max);

    /// @notice `field` holds a byte its rule does not allow (or a separator in a forbidden place) at `index`.
    error InvalidCharacter(string field, uint256 index);

    /// @notice `field` must not be the zero address.
    error ZeroAddress(string field);

    /// @notice `field` must not be the zero hash.
    error ZeroHash(string field);
}
