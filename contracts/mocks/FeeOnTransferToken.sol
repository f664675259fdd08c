// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";

/**
 * @title FeeOnTransferToken
 * @author Kho
 * @notice Test-only ERC-20 that burns `feeBps` / 10_000 of every transfer (mints and burns are exempt), so the
 * recipient gets less than the sender sent. Anyone can mint and change the fee.
 */
contract FeeOnTransferToken is ERC20 {
    /// @notice A fee above 100% was requested.
    error FeeTooHigh(uint256 feeBps);

    uint256 public feeBps;

    /// @param initialFeeBps Fee in basis points (100 = 1%).
    constructor(uint256 initialFeeBps) ERC20("Fee Token", "FEE") {
        setFee(initialFeeBps);
    }

    /// @notice Mints `amount` to `to`.
    function mint(address to, uint256 amount) external {
        _mint(to, amount);
    }

    /// @notice Sets the fee in basis points.
    function setFee(uint256 newFeeBps) public {
        if (newFeeBps > 10_000) revert FeeTooHigh(newFeeBps);
        feeBps = newFeeBps;
    }

    function _update(address from, address to, uint256 value) internal override {
        if (from == address(0) || to == address(0)) {
            super._update(from, to, value);
            return;
        }
        uint256 fee = (value * feeBps) / 10_000;
        super._update(from, address(0), fee);
        super._update(from, to, value - fee);
    }
}
