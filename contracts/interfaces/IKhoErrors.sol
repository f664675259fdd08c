// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/**
 * @title IKhoErrors
 * @author Kho
 * @notice Errors shared by the Kho contracts, so one condition has one selector everywhere (a bad string, a zero
 * address or amount, an unknown community or dataset, a caller who is not a steward).
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

    /// @notice Amounts must be positive.
    error ZeroAmount();

    /// @notice The token transfer of `requested` tokens delivered nothing to the contract.
    error NothingReceived(uint256 requested);

    /// @notice No community has id `communityId` in the community registry.
    error CommunityNotFound(uint256 communityId);

    /// @notice No dataset has id `datasetId` in the dataset registry.
    error DatasetNotFound(uint256 datasetId);

    /// @notice `datasetId` has no version `version` (versions count from 1 to the latest).
    error DatasetVersionNotFound(uint256 datasetId, uint64 version);

    /// @notice `caller` is not a steward of `communityId`.
    error NotCommunitySteward(uint256 communityId, address caller);

    /// @notice `account` does not hold the relayer role in the UsageLedger.
    error NotRelayer(address account);

    /// @notice A Merkle root of zero is reserved for "none".
    error ZeroRoot();

    /// @notice A data URI must be 1 to `maxLength` bytes long (`length` given).
    error InvalidDataURILength(uint256 length, uint256 maxLength);
}
